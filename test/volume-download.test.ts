import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { volumeApiPath } from '../src/contract/volume-view';
import { usePlatform } from './helpers/platform';
import { push, readTree, sha256, volumeApi, volumeCli, volumeJson, volumeOk, writeFiles } from './helpers/volumes';

// The server sends a download's bytes from read buffers that the next download reuses
// (blobs/local/file-sender.ts): downloads at once, and one broken off, must each get their own bytes.

const MIB = 1024 * 1024;

const platform = usePlatform();
const work = mkdtempSync(join(tmpdir(), 'everai-download-'));

after(() => rmSync(work, { recursive: true, force: true }));

/** Starts a download of `path` and breaks it off after its first MiB; resolves once it is broken off. */
function brokenOffDownload(name: string, revision: string, path: string): Promise<number> {
  const url = `${platform.url}${volumeApiPath(name, `/revisions/${revision}/files/${path}`)}`;
  return new Promise((resolve, reject) => {
    const req = get(url, { headers: { authorization: `Bearer ${platform.token}` } }, (res) => {
      let received = 0;
      res.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received >= MIB) {
          req.destroy();
          resolve(received);
        }
      });
    });
    req.on('error', (error: NodeJS.ErrnoException) => (error.code === 'ECONNRESET' ? undefined : reject(error)));
  });
}

test('pulls at once, and a download broken off among them, each get every byte of their own files', async () => {
  await volumeOk(platform, ['volume', 'create', 'weights']);
  const { path } = await volumeJson(platform, 'weights');
  // Two large files (one request each) and small ones (batched), each of bytes of its own.
  const files: Record<string, Buffer> = { 'a.bin': randomBytes(24 * MIB), 'b.bin': randomBytes(24 * MIB) };
  for (let i = 0; i < 6; i++) files[`small/${i}.bin`] = randomBytes(3 * MIB);
  writeFiles(path, files);
  const { revision } = await push(platform, 'weights');

  const roots = [join(work, 'first'), join(work, 'second')];
  const pulls = roots.map((root) => volumeOk(platform, ['volume', 'pull', 'weights'], { root }));
  const broken = await brokenOffDownload('weights', revision, 'a.bin');
  assert.ok(broken >= MIB);
  await Promise.all(pulls);

  const expected = Object.fromEntries(Object.entries(files).map(([name, bytes]) => [name, bytes.toString('latin1')]));
  for (const root of roots) {
    assert.deepEqual(readTree((await volumeJson(platform, 'weights', { root })).path), expected);
  }
  // The server goes on serving after the broken-off download: the file whole, as its digest says.
  const res = await volumeApi(platform)('GET', 'weights', `/revisions/${revision}/files/a.bin`);
  assert.equal(res.status, 200);
  assert.equal(sha256(Buffer.from(await res.arrayBuffer())), sha256(files['a.bin'] as Buffer));
});

/** Flips a byte in the middle of the server's blob of `bytes`, as a disk that went bad would. */
function spoilBlob(bytes: Buffer): void {
  const hex = sha256(bytes).slice('sha256:'.length);
  const blob = join(platform.dataDir, 'blobs', 'sha256', hex.slice(0, 2), hex);
  const spoiled = readFileSync(blob);
  spoiled.writeUInt8(spoiled.readUInt8(spoiled.length >> 1) ^ 0xff, spoiled.length >> 1);
  writeFileSync(blob, spoiled);
}

// A file of 1 MiB or more is written on the write thread and hashed on a hash thread from shared
// memory (client/volumes/download-target.ts); a smaller one is written and hashed as it passes.
// Threaded: one file of its own request (over 4 MiB) and one of a batch; inline, two of a batch.
const SPOILED = { inline: { 'a.bin': 300 * 1024, 'b.bin': 700 * 1024 }, threaded: { 'large.bin': 70 * MIB, 'small.bin': MIB } };
for (const [name, sizes] of Object.entries(SPOILED)) {
  test(`a pull refuses bytes that are not the file's digest and places none of them (${name})`, async () => {
    await volumeOk(platform, ['volume', 'create', name]);
    const { path } = await volumeJson(platform, name);
    // Each spoiled on the server.
    const files = Object.fromEntries(Object.entries(sizes).map(([file, size]) => [file, randomBytes(size)]));
    writeFiles(path, files);
    await push(platform, name);
    for (const bytes of Object.values(files)) spoilBlob(bytes);

    const root = join(work, `spoiled-${name}`);
    const pull = await volumeCli(platform, ['volume', 'pull', name], { root });
    assert.notEqual(pull.code, 0, JSON.stringify(pull));
    assert.match(pull.stderr, /Error: the bytes of "[a-z]+\.bin" arrived as sha256:[0-9a-f]{64}, not sha256:[0-9a-f]{64}; pull again\n$/);
    const copy = (await volumeJson(platform, name, { root })).path;
    assert.deepEqual(readTree(copy), {});
  });
}

test('a batched download answers each path asked, a path asked twice twice, an empty file as its line alone', async () => {
  await volumeOk(platform, ['volume', 'create', 'batched']);
  const { path } = await volumeJson(platform, 'batched');
  const files: Record<string, Buffer> = { 'a.txt': randomBytes(3000), 'empty.txt': Buffer.alloc(0), 'big.bin': randomBytes(3 * MIB) };
  writeFiles(path, files);
  const { revision } = await push(platform, 'batched');

  const asked = ['a.txt', 'empty.txt', 'big.bin', 'a.txt'];
  const res = await volumeApi(platform)('POST', 'batched', `/revisions/${revision}/files:download`, { paths: asked });
  assert.equal(res.status, 200);
  const body = Buffer.from(await res.arrayBuffer());
  assert.equal(Number(res.headers.get('content-length')), body.length);
  const expected = Buffer.concat(asked.flatMap((name) => [Buffer.from(`${sha256(files[name] as Buffer)} ${(files[name] as Buffer).length}\n`), files[name] as Buffer]));
  assert.ok(body.equals(expected));
});
