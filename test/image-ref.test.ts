import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EveraiError } from '../src/contract/errors';
import { formatImageRef, parseImageRef } from '../src/contract/image-ref';

const DIGEST = `sha256:${'a'.repeat(64)}`;

test('a bare name gets the tag latest', () => {
  assert.deepEqual(parseImageRef('get-start'), { repository: 'get-start', tag: 'latest' });
});

test('names, tags, digests and hosts are told apart as docker does', () => {
  assert.deepEqual(parseImageRef('get-start:v1'), { repository: 'get-start', tag: 'v1' });
  assert.deepEqual(parseImageRef('team/sub/app:1.0_rc-2'), { repository: 'team/sub/app', tag: '1.0_rc-2' });
  assert.deepEqual(parseImageRef(`get-start@${DIGEST}`), { repository: 'get-start', digest: DIGEST });
  assert.deepEqual(parseImageRef(`get-start:v1@${DIGEST}`), { repository: 'get-start', tag: 'v1', digest: DIGEST });
  assert.deepEqual(parseImageRef('127.0.0.1:8480/get-start:v1'), { host: '127.0.0.1:8480', repository: 'get-start', tag: 'v1' });
  assert.deepEqual(parseImageRef('localhost/a/b'), { host: 'localhost', repository: 'a/b', tag: 'latest' });
  assert.deepEqual(parseImageRef('quay.io/mc_jones/get-start:v0.0.1'), { host: 'quay.io', repository: 'mc_jones/get-start', tag: 'v0.0.1' });
  // Without a dot, a colon or `localhost`, the first segment is part of the name.
  assert.deepEqual(parseImageRef('library/ubuntu:22.04'), { repository: 'library/ubuntu', tag: '22.04' });
  // A port is not a tag: the tag follows the last colon after the last slash.
  assert.deepEqual(parseImageRef('registry.example.com:5000/app'), { host: 'registry.example.com:5000', repository: 'app', tag: 'latest' });
});

test('formatImageRef writes back what parseImageRef read', () => {
  for (const ref of ['get-start:v1', `a/b@${DIGEST}`, `quay.io:443/a/b:v2@${DIGEST}`]) {
    assert.equal(formatImageRef(parseImageRef(ref)), ref);
  }
});

test('bad references are refused with a message that says what is wrong', () => {
  const cases: [string, RegExp][] = [
    ['', /it is empty/],
    ['Get-Start:v1', /'Get-Start' is not a valid repository name/],
    ['get--start_:v1', /not a valid repository name/],
    ['a//b', /not a valid repository name/],
    ['get-start:.v1', /'.v1' is not a valid tag/],
    [`get-start:${'x'.repeat(129)}`, /is not a valid tag/],
    ['get-start@sha256:abc', /the digest must be sha256/],
    ['get-start@md5:0123', /the digest must be sha256/],
    ['bad_host.io:x/app', /is not a valid registry host/],
  ];
  for (const [ref, message] of cases) {
    assert.throws(
      () => parseImageRef(ref),
      (error: unknown) => error instanceof EveraiError && error.code === 'EVERAI_BAD_REQUEST' && message.test(error.message),
      `expected '${ref}' to be refused with ${message}`,
    );
  }
});
