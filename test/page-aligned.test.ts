import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { pageAlignedBuffer } from '../src/contract/page-aligned';

// Buffers that files are read into (contract/page-aligned.ts): whatever their size, they hold
// exactly the bytes asked for, and shared ones are the same memory on another thread.

const work = mkdtempSync(join(tmpdir(), 'everai-page-aligned-'));
after(() => rmSync(work, { recursive: true, force: true }));

test('a buffer of any size holds that many bytes, zeroed, and a file read into it holds the file', () => {
  for (const size of [1, 4095, 64 * 1024, 1024 * 1024 + 17]) {
    const buffer = pageAlignedBuffer(size);
    assert.equal(buffer.length, size);
    assert.ok(buffer.every((byte) => byte === 0));
    const bytes = randomBytes(size);
    const path = join(work, `file-${size}`);
    writeFileSync(path, bytes);
    const fd = openSync(path, 'r');
    try {
      assert.equal(readSync(fd, buffer, 0, size, 0), size);
    } finally {
      closeSync(fd);
    }
    assert.deepEqual(buffer, bytes);
  }
});

test('a shared buffer is the memory a thread given it writes to', async () => {
  const buffer = pageAlignedBuffer(256 * 1024, true);
  assert.ok(buffer.buffer instanceof SharedArrayBuffer);
  const worker = new Worker('new Uint8Array(require("node:worker_threads").workerData).fill(7, 100, 200)', { eval: true, workerData: buffer.buffer });
  await new Promise((resolve, reject) => worker.once('exit', resolve).once('error', reject));
  assert.equal(buffer[99], 0);
  assert.ok(buffer.subarray(100, 200).every((byte) => byte === 7));
  assert.equal(buffer[200], 0);
});
