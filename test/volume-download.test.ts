import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { volumeApiPath } from '../src/contract/volume-view';
import { usePlatform } from './helpers/platform';
import { push, readTree, sha256, volumeApi, volumeJson, volumeOk, writeFiles } from './helpers/volumes';

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
