import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { transferProgress } from '../src/client/volumes/transfer-progress';

// In a log (not a terminal), a push or a pull says each file as it is done. The lines are written
// together, not one system call each, and none is lost: all come out, in order, at `stop` or
// shortly after they were said.

function logStream(): { stream: NodeJS.WriteStream; writes: string[] } {
  const writes: string[] = [];
  const stream = { isTTY: false, write: (text: string) => writes.push(text) > 0 } as unknown as NodeJS.WriteStream;
  return { stream, writes };
}

test('a log gets every file line, in order, in a few writes; the first line at once', async () => {
  const { stream, writes } = logStream();
  const progress = transferProgress('downloading', stream);
  progress.start(100, 100 * 1024);
  assert.deepEqual(writes, ['downloading 100 files (100.0 KiB)\n']);
  for (let i = 1; i <= 100; i++) progress.fileDone(`file-${i}`, 1024);
  progress.fileHeld('held', 1024);
  progress.stop();
  const lines = writes.join('').split('\n').slice(0, -1);
  assert.equal(lines.length, 102);
  assert.equal(lines[1], 'downloaded file-1 (1.0 KiB): 1/100 files, 1.0 KiB / 100.0 KiB');
  assert.equal(lines[100], 'downloaded file-100 (1.0 KiB): 100/100 files, 100.0 KiB / 100.0 KiB');
  assert.equal(lines[101], 'not sent held (1.0 KiB): the platform has these bytes already');
  assert.ok(writes.length <= 3, `${writes.length} writes`);
});

test('lines said and not followed by stop still come out', async () => {
  const { stream, writes } = logStream();
  const progress = transferProgress('uploading', stream);
  progress.start(1, 5);
  progress.fileDone('only', 5);
  await sleep(500);
  assert.deepEqual(writes, ['uploading 1 file (5 B)\n', 'uploaded only (5 B): 1/1 files, 5 B / 5 B\n']);
});
