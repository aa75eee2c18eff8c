import assert from 'node:assert/strict';
import { readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { usePlatform } from './helpers/platform';
import { errorOf, sha256, volumeApi, volumeFails, volumeJson, volumeOk, writeFiles } from './helpers/volumes';

// What a volume refuses, and that a refusal stores nothing (paths confined to the volume).

let api: ReturnType<typeof volumeApi>;

const platform = usePlatform({
  setup: async () => {
    api = volumeApi(platform);
  },
});

/** Every file under the server's data folder holding `needle`. */
function filesHolding(needle: Buffer): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(platform.dataDir, { recursive: true, withFileTypes: true })) {
    const abs = join(entry.parentPath, entry.name);
    if (entry.isFile() && readFileSync(abs).includes(needle)) found.push(abs);
  }
  return found;
}

test('paths that leave or bend the volume are refused by a raw commit, naming the path', async () => {
  await volumeOk(platform, ['volume', 'create', 'confined']);
  const content = 'fine';
  const put = await api('PUT', 'confined', `/blobs/${sha256(content)}`, content);
  assert.equal(put.status, 201);
  const file = (path: string) => ({ path, digest: sha256(content), size: content.length, mode: 0o644 });
  const cases: [string, RegExp][] = [
    ['../etc/passwd', /^file path "\.\.\/etc\/passwd" has a '\.\.' segment/],
    ['a/../../b', /has a '\.\.' segment/],
    ['/etc/passwd', /^file path "\/etc\/passwd" is absolute/],
    ['a//b', /has an empty segment/],
    ['a/', /has an empty segment/],
    ['./a', /has a '\.' segment/],
    ['a\\b', /has a backslash/],
    ['a\u0000b', /^file path "a\\u0000b" has a NUL/],
    ['', /^file path "" is empty/],
    [`${'x'.repeat(256)}/f`, /has a name over 255 bytes/],
  ];
  for (const [path, message] of cases) {
    const res = await api('POST', 'confined', '/revisions', { baseRevision: '000000-000', files: [file('ok.txt'), file(path)] });
    const error = await errorOf(res);
    assert.equal(error.status, 400, path);
    assert.match(error.message, message, path);
  }
  const twice = await errorOf(await api('POST', 'confined', '/revisions', { baseRevision: '000000-000', files: [file('a'), file('a')] }));
  assert.match(twice.message, /^file path "a" is listed twice/);
  const nested = await errorOf(await api('POST', 'confined', '/revisions', { baseRevision: '000000-000', files: [file('a'), file('a/b')] }));
  assert.match(nested.message, /^file path "a\/b" is inside "a", which is a file/);
  assert.equal((await volumeJson(platform, 'confined')).revision, '000000-000');
});

test('a commit naming a blob never uploaded, or a wrong size, is refused and makes no revision', async () => {
  await volumeOk(platform, ['volume', 'create', 'unbacked']);
  const missing = sha256('never uploaded');
  const error = await errorOf(
    await api('POST', 'unbacked', '/revisions', { baseRevision: '000000-000', files: [{ path: 'f', digest: missing, size: 14, mode: 0o644 }] }),
  );
  assert.equal(error.status, 400);
  assert.equal(error.message, `blob ${missing} of "f" was never uploaded: upload it first (PUT .../blobs/${missing})`);

  assert.equal((await api('PUT', 'unbacked', `/blobs/${sha256('four')}`, 'four')).status, 201);
  const wrongSize = await errorOf(
    await api('POST', 'unbacked', '/revisions', { baseRevision: '000000-000', files: [{ path: 'f', digest: sha256('four'), size: 5, mode: 0o644 }] }),
  );
  assert.match(wrongSize.message, /^"f" says 5 bytes, but its blob sha256:[0-9a-f]{64} holds 4$/);
  assert.equal((await volumeJson(platform, 'unbacked')).revision, '000000-000');
});

test('a blob whose bytes do not match its digest is refused and nothing is stored', async () => {
  await volumeOk(platform, ['volume', 'create', 'mismatch']);
  const claimed = sha256('what the client claims');
  const bytes = Buffer.from('what the client really sends, and a marker: 7f3e1c0a-mismatch');
  const error = await errorOf(await api('PUT', 'mismatch', `/blobs/${claimed}`, bytes));
  assert.equal(error.status, 400);
  assert.match(error.message, /^blob content hashes to sha256:[0-9a-f]{64}, not the declared sha256:/);
  const { missing } = (await (await api('POST', 'mismatch', '/blobs:missing', { digests: [claimed, sha256(bytes)] })).json()) as { missing: string[] };
  assert.deepEqual(missing, [claimed, sha256(bytes)]);
  assert.deepEqual(filesHolding(Buffer.from('7f3e1c0a-mismatch')), []);

  const bad = await errorOf(await api('PUT', 'mismatch', '/blobs/md5:abc', 'x'));
  assert.equal(bad.status, 400);
  assert.match(bad.message, /invalid digest 'md5:abc'/);
});

test('a link to /etc/passwd in the local copy is refused, and its bytes never reach the server', async () => {
  await volumeOk(platform, ['volume', 'create', 'leaky']);
  const { path } = await volumeJson(platform, 'leaky');
  writeFiles(path, { 'model.bin': 'weights' });
  symlinkSync('/etc/passwd', join(path, 'passwd'));
  const message = await volumeFails(platform, ['volume', 'push', 'leaky']);
  assert.equal(message, 'Error: cannot push "passwd": it is a symbolic link to /etc/passwd, outside the volume; replace it with the file itself');
  assert.equal((await volumeJson(platform, 'leaky')).revision, '000000-000');
  const secret = readFileSync('/etc/passwd');
  assert.deepEqual(filesHolding(secret.subarray(0, Math.min(secret.length, 64))), []);
});

test('volume names: empty, too long, or with a NUL are refused; nothing is created', async () => {
  for (const [name, message] of [
    ['', /^volume name "" must not be empty$/],
    ['v'.repeat(254), /is over 253 characters$/],
    ['a\u0000b', /^volume name "a\\u0000b" may hold only letters, digits/],
    ['../up', /may hold only letters/],
  ] as const) {
    const error = await errorOf(await api('POST', '', '', { name }));
    assert.equal(error.status, 400, name);
    assert.match(error.message, message, name);
  }
  assert.match(await volumeFails(platform, ['volume', 'create', 'bad name']), /^Error: volume name "bad name" may hold only letters/);
  assert.deepEqual((JSON.parse(await volumeOk(platform, ['volume', 'list', '-o', 'json'])) as { name: string }[]).map((v) => v.name).sort(), [
    'confined',
    'leaky',
    'mismatch',
    'unbacked',
  ]);
});
