import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { LocalBlobStore } from '../src/server/blobs/local/local-blob-store';
import { sha256 } from './helpers/volumes';

// A batch's blob is written from the pieces it arrived in: a small one here, a larger one by a hash
// thread from shared memory. Whatever the pieces' sizes, the blob holds their bytes in order, read
// only, and bytes that are not the declared digest store nothing, not even a temp file.

let dir: string;
let blobs: LocalBlobStore;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'everai-blobs-'));
  blobs = new LocalBlobStore(join(dir, 'blobs'));
});

after(() => rmSync(dir, { recursive: true, force: true }));

test('a blob written from pieces of any size holds their bytes in order', async () => {
  const KIB = 1024;
  // Pieces longer than a write call, one byte, and runs that end just before, on and after a call's
  // edge; blobs hashed here (under 64 KiB), by a hash thread, and over the size of its pooled buffers.
  const layouts = [[300 * KIB, 1, 255 * KIB, 600 * KIB], [256 * KIB, 256 * KIB], [64 * KIB, 64 * KIB, 64 * KIB, 64 * KIB + 1], [3 * 1024 * KIB + 7], [70 * KIB], [10, 20 * KIB], [4 * 1024 * KIB, 1024 * KIB + 3]];
  for (const sizes of layouts) {
    const pieces = sizes.map((size) => randomBytes(size));
    const whole = Buffer.concat(pieces);
    const stored = await blobs.writeBytes(pieces, sha256(whole));
    assert.deepEqual(stored, { digest: sha256(whole), size: whole.length });
    assert.ok(readFileSync(blobs.localPath(stored.digest)).equals(whole), `pieces of ${sizes.join(', ')} bytes`);
    assert.equal(statSync(blobs.localPath(stored.digest)).mode & 0o777, 0o444);
  }
});

test('a blob whose bytes are not its declared digest is refused and nothing is stored', async () => {
  for (const pieces of [[randomBytes(200 * 1024), randomBytes(200 * 1024)], [randomBytes(1000)]]) {
    const declared = sha256(randomBytes(16));
    await assert.rejects(blobs.writeBytes(pieces, declared), /hashes to sha256:[0-9a-f]{64}, not the declared/);
    assert.equal(await blobs.has(declared), false);
    assert.equal(await blobs.has(sha256(Buffer.concat(pieces))), false);
  }
  assert.deepEqual(readdirSync(join(dir, 'blobs', 'tmp')), ['partial']);
});

test('touching many blobs at once answers the size of each one held, wherever it stands in the list', async () => {
  // A commit of a large volume names more blobs than the file thread is sent at once (10,000).
  const held = [randomBytes(10), randomBytes(2000), randomBytes(0), randomBytes(70 * 1024)];
  const digests = await Promise.all(held.map(async (bytes) => (await blobs.writeBytes([bytes], sha256(bytes))).digest));
  const asked = Array.from({ length: 25_000 }, (_, i) => `sha256:${i.toString(16).padStart(64, 'f')}`);
  const places = [0, 9_999, 10_000, 24_999];
  places.forEach((place, i) => (asked[place] = digests[i] as string));
  const before = Date.now() - 1000;
  const sizes = await blobs.touchAll(asked);
  assert.deepEqual(
    [...sizes].sort(),
    digests.map((digest, i) => [digest, (held[i] as Buffer).length]).sort(),
  );
  for (const digest of digests) assert.ok(statSync(blobs.localPath(digest)).mtimeMs >= before, 'a blob asked for is touched');
});
