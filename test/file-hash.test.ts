import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { hashBehind } from '../src/contract/file-hash';

// The hash thread reads a file back behind its writer (contract/file-hash.ts): what it answers must
// be the sha256 of exactly the bytes the writer told it of, however they were written.

const MIB = 1024 * 1024;
const work = mkdtempSync(join(tmpdir(), 'everai-file-hash-'));
after(() => rmSync(work, { recursive: true, force: true }));

const sha256 = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

test('a file told of piece by piece as it is written hashes to the sha256 of its bytes', async () => {
  const bytes = randomBytes(21 * MIB + 123);
  const path = join(work, 'pieces.bin');
  writeFileSync(path, '');
  const hash = hashBehind(path);
  // Pieces of odd sizes, some past the 8 MiB at which the thread is told to read on.
  for (let at = 0, size = 1; at < bytes.length; size = size * 3 + 7) {
    const piece = bytes.subarray(at, Math.min(bytes.length, at + size));
    appendFileSync(path, piece);
    at += piece.length;
    hash.written(at);
  }
  assert.equal(await hash.digest(), sha256(bytes));
});

test('files hashed at once each get the digest of their own bytes', async () => {
  const files = Array.from({ length: 12 }, (_, i) => ({ path: join(work, `many-${i}.bin`), bytes: randomBytes((i + 1) * 700 * 1024) }));
  const digests = await Promise.all(
    files.map(({ path, bytes }) => {
      writeFileSync(path, bytes);
      const hash = hashBehind(path);
      hash.written(bytes.length);
      return hash.digest();
    }),
  );
  assert.deepEqual(digests, files.map(({ bytes }) => sha256(bytes)));
});

test('a file shorter than its writer said fails its digest with a clear error, and the thread goes on with others', async () => {
  const path = join(work, 'short.bin');
  writeFileSync(path, randomBytes(MIB));
  const short = hashBehind(path);
  // Past 8 MiB: the thread reads at once and finds the end before the digest is asked for.
  short.written(9 * MIB);
  await new Promise((resolve) => setTimeout(resolve, 100));
  await assert.rejects(short.digest(), /hashing .*short\.bin failed: .*short\.bin ends at byte 1048576, before the 9437184 written to it/);

  const gone = hashBehind(join(work, 'never-written.bin'));
  gone.written(10);
  await assert.rejects(gone.digest(), /ENOENT/);

  const dropped = hashBehind(path);
  dropped.written(MIB);
  dropped.drop();
  const fine = hashBehind(path);
  fine.written(MIB);
  assert.match(await fine.digest(), /^sha256:[0-9a-f]{64}$/);
});
