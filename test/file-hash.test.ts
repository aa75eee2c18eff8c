import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { appendFileSync, closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fedHash, hashBehind, hashShared, HashThreads, SHARED_HASH_FROM_BYTES, storeShared, writeShared } from '../src/contract/file-hash';
import { pageAlignedBuffer } from '../src/contract/page-aligned';

// The hash thread reads a file back behind its writer, or hashes bytes fed to it where they lie
// (contract/file-hash.ts): what it answers must be the sha256 of exactly those bytes, however they
// came. The write thread puts bytes of shared memory where it is asked to.

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

/** `bytes` copied into shared memory, as the push's and the server's batch buffers hold them. */
function shared(bytes: Buffer): Buffer {
  const view = Buffer.from(new SharedArrayBuffer(bytes.length));
  bytes.copy(view);
  return view;
}

test('bytes in shared memory hash to their sha256, small and large; a view of memory not shared is refused', async () => {
  for (const size of [0, 1, SHARED_HASH_FROM_BYTES - 1, SHARED_HASH_FROM_BYTES, 3 * MIB + 5]) {
    const bytes = randomBytes(size);
    assert.equal(await hashShared(shared(bytes)), sha256(bytes), `${size} bytes`);
  }
  await assert.rejects(hashShared(randomBytes(SHARED_HASH_FROM_BYTES)), TypeError);
});

test('bytes stored by a hash thread land at their target, folder made, only if they are the digest expected; a failed write leaves no temp file', async () => {
  const bytes = randomBytes(2 * MIB + 3);
  const store = (name: string, digest: string) => ({ digest, temp: join(work, `${name}.tmp`), target: join(work, name, 'blob'), mode: 0o444 });
  assert.equal(await storeShared(shared(bytes), store('stored', sha256(bytes))), sha256(bytes));
  assert.ok(readFileSync(join(work, 'stored', 'blob')).equals(bytes));
  assert.equal(statSync(join(work, 'stored', 'blob')).mode & 0o777, 0o444);
  assert.ok(!existsSync(join(work, 'stored.tmp')));

  // Other bytes: their digest comes back, and nothing is written.
  assert.equal(await storeShared(shared(bytes), store('other', sha256(randomBytes(8)))), sha256(bytes));
  assert.ok(!existsSync(join(work, 'other.tmp')) && !existsSync(join(work, 'other')));

  // A target that cannot be made (a file where its folder should be): the error comes back, the temp file goes.
  writeFileSync(join(work, 'blocked'), 'a file');
  await assert.rejects(storeShared(shared(bytes), store('blocked', sha256(bytes))), /writing .*blocked\/blob failed: .*(ENOTDIR|EEXIST)/);
  assert.ok(!existsSync(join(work, 'blocked.tmp')));
  await assert.rejects(storeShared(randomBytes(SHARED_HASH_FROM_BYTES), store('unused', sha256(bytes))), TypeError);
});

test('a pool of 3 hash threads: files and shared bytes hashed at once each get their own digest, on no more than 3 threads, and an idle one is reused', async () => {
  const pool = new HashThreads(3);
  const files = Array.from({ length: 8 }, (_, i) => ({ path: join(work, `pool-${i}.bin`), bytes: randomBytes((i + 1) * 300 * 1024) }));
  const memory = Array.from({ length: 8 }, (_, i) => randomBytes((i + 1) * 200 * 1024));
  const digests = await Promise.all([
    ...files.map(({ path, bytes }) => {
      writeFileSync(path, bytes);
      const hash = pool.hashBehind(path);
      hash.written(bytes.length);
      return hash.digest();
    }),
    ...memory.map((bytes) => pool.hashShared(shared(bytes))),
  ]);
  assert.deepEqual(digests, [...files.map(({ bytes }) => sha256(bytes)), ...memory.map(sha256)]);
  assert.equal(pool.started, 3);
  const again = randomBytes(SHARED_HASH_FROM_BYTES * 2);
  assert.equal(await pool.hashShared(shared(again)), sha256(again));
  assert.equal(pool.started, 3);
});

test('a digest fed piece by piece, shared and copied, is the sha256 of the pieces in order; a shared piece is taken once hashed', async () => {
  const pieces = [randomBytes(MIB), Buffer.from('a header'), randomBytes(3 * MIB + 5), Buffer.alloc(0), randomBytes(100)];
  const hash = fedHash();
  const taken: number[] = [];
  pieces.forEach((bytes, index) => {
    const shared = index % 2 === 0 ? pageAlignedBuffer(bytes.length, true) : Buffer.from(bytes);
    if (index % 2 === 0) bytes.copy(shared);
    hash.update(shared, () => taken.push(index));
  });
  // The copied ones at once; the shared ones once the thread has hashed them, in order.
  assert.deepEqual(taken, [1, 3]);
  assert.equal(await hash.digest(), sha256(Buffer.concat(pieces)));
  assert.deepEqual(taken, [1, 3, 0, 2, 4]);
});

test('a dropped digest gives back the shared pieces it held at once', () => {
  const hash = fedHash();
  const taken: number[] = [];
  for (const index of [0, 1]) hash.update(pageAlignedBuffer(MIB, true), () => taken.push(index));
  hash.drop();
  assert.deepEqual(taken, [0, 1]);
});

test('bytes in shared memory are written on the write thread at the byte asked, in order; memory not shared is refused', async () => {
  const path = join(work, 'written.bin');
  const bytes = randomBytes(3 * MIB + 7);
  const fd = openSync(path, 'w');
  try {
    // Sent out of place order: each lands at its own offset.
    const second = pageAlignedBuffer(MIB + 7, true);
    bytes.copy(second, 0, 2 * MIB);
    const first = pageAlignedBuffer(2 * MIB, true);
    bytes.copy(first, 0, 0, 2 * MIB);
    await Promise.all([writeShared(fd, second, 2 * MIB), writeShared(fd, first, 0)]);
  } finally {
    closeSync(fd);
  }
  assert.ok(readFileSync(path).equals(bytes));
  assert.throws(() => writeShared(0, Buffer.alloc(10), 0), /shared memory/);
  // A file open for reading only: the write fails with the system's word, and the thread goes on.
  const readOnly = openSync(path, 'r');
  try {
    await assert.rejects(writeShared(readOnly, pageAlignedBuffer(MIB, true), 0), /writing failed: EBADF/);
  } finally {
    closeSync(readOnly);
  }
  const after = openSync(join(work, 'after-failure.bin'), 'w');
  try {
    await writeShared(after, pageAlignedBuffer(MIB, true).fill(1), 0);
  } finally {
    closeSync(after);
  }
  assert.ok(readFileSync(join(work, 'after-failure.bin')).equals(Buffer.alloc(MIB, 1)));
});

test('a process that awaits nothing but a shared piece being hashed, or written, lives until it is', () => {
  // A download that waits for its buffers to come back has its socket paused: the threads holding
  // them must keep the process alive, or it ends half-way with nothing said.
  const modules = { hash: join(__dirname, '../src/contract/file-hash.js'), memory: join(__dirname, '../src/contract/page-aligned.js') };
  const path = join(work, 'alone.bin');
  const script = `
    const { fedHash, writeShared } = require(${JSON.stringify(modules.hash)});
    const { pageAlignedBuffer } = require(${JSON.stringify(modules.memory)});
    const piece = pageAlignedBuffer(${8 * MIB}, true).fill(7);
    const fd = require('node:fs').openSync(${JSON.stringify(path)}, 'w');
    // Each thread started and idle first: one still starting keeps the process alive on its own.
    const warm = fedHash();
    warm.update(Buffer.from('warm'), () => undefined);
    Promise.all([warm.digest(), writeShared(fd, piece.subarray(0, 1), 0)]).then(() => {
      if (process.argv[1] === 'hash') fedHash().update(piece, () => console.log('taken'));
      else writeShared(fd, piece, 0).then(() => console.log('written'));
    });
  `;
  assert.equal(execFileSync(process.execPath, ['-e', script, 'hash'], { encoding: 'utf8' }), 'taken\n');
  assert.equal(execFileSync(process.execPath, ['-e', script, 'write'], { encoding: 'utf8' }), 'written\n');
  assert.ok(readFileSync(path).equals(Buffer.alloc(8 * MIB, 7)));
});
