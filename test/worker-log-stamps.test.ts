import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkerFolders } from '../src/server/runtime/local/worker-log';
import { LogCursor, MAX_LINE_BYTES } from '../src/server/runtime/local/log-cursor';
import { loadStampState, stampNewBytes, trimStampedLog, type LogFiles } from '../src/server/runtime/local/log-stamps';
import type { LogLine } from '../src/server/runtime/runtime';
import { waitFor } from './helpers/wait';

// A worker writes its output straight into output.log; the server stamps what arrives in
// output.stamps beside it. These pin what a reader gets out of the two: lines with times, the
// bytes as printed, through partial lines, binary output, overlong lines and trims.

const RFC3339_MS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

function tempFiles(): { dir: string; files: LogFiles } {
  const dir = mkdtempSync(join(tmpdir(), 'everai-log-'));
  return { dir, files: { log: join(dir, 'output.log'), stamps: join(dir, 'output.stamps') } };
}

const texts = (lines: LogLine[]) => lines.map((l) => l.text.toString('latin1'));

test('a live worker: each line with the time it arrived; a partial line waits for its newline; the log stays as printed', async () => {
  const root = mkdtempSync(join(tmpdir(), 'everai-workers-'));
  const folders = new WorkerFolders(root);
  try {
    mkdirSync(folders.folder('w1'));
    writeFileSync(folders.logFile('w1'), '');
    folders.startStamping('w1');
    const reader = folders.openLog('w1');
    const printed = Buffer.concat([Buffer.from('starting\nloading...'), Buffer.from([0, 0xff, 0xfe]), Buffer.from(' done\n')]);
    appendFileSync(folders.logFile('w1'), printed.subarray(0, 19));
    const first = await waitFor('the first line', async () => {
      const lines = await reader.next(false);
      return lines.length > 0 && lines;
    });
    assert.deepEqual(texts(first), ['starting'], 'the line still being written is held back');
    appendFileSync(folders.logFile('w1'), printed.subarray(19));
    const second = await waitFor('the second line', async () => {
      const lines = await reader.next(false);
      return lines.length > 0 && lines;
    });
    assert.deepEqual(second.map((l) => l.text), [Buffer.concat([Buffer.from('loading...'), Buffer.from([0, 0xff, 0xfe]), Buffer.from(' done')])]);
    for (const line of [...first, ...second]) assert.match(line.time, RFC3339_MS);
    assert.ok(first[0] && second[0] && first[0].time <= second[0].time);
    assert.deepEqual(readFileSync(folders.logFile('w1')), printed, 'the log file holds the bytes exactly as printed');

    await folders.stopStamping('w1');
    const again = folders.openLog('w1');
    assert.deepEqual(texts(await again.next(true)), ['starting', `loading...\u0000\u00ff\u00fe done`], 'a new reader reads it all from the start');
  } finally {
    await folders.close();
    rmSync(root, { recursive: true, force: true });
  }
});

test('bytes no server stamped (written while none ran) are read at the end, with the time the file was last written', async () => {
  const { dir, files } = tempFiles();
  try {
    writeFileSync(files.log, 'one\ntwo\nno newline');
    const cursor = new LogCursor(files);
    assert.deepEqual(await cursor.next(false), [], 'without a stamp, a live worker\'s bytes wait for one');
    const lines = await cursor.next(true);
    assert.deepEqual(texts(lines), ['one', 'two', 'no newline']);
    assert.ok(lines.every((l) => RFC3339_MS.test(l.time)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a line longer than the limit comes in pieces of the limit', async () => {
  const { dir, files } = tempFiles();
  try {
    const long = 'x'.repeat(MAX_LINE_BYTES * 2 + 10);
    writeFileSync(files.log, `${long}\nshort\n${'y'.repeat(MAX_LINE_BYTES)}\n`);
    await stampNewBytes(files, await loadStampState(files));
    const lines = texts(await new LogCursor(files).next(true));
    assert.deepEqual(
      lines.map((l) => l.length),
      [MAX_LINE_BYTES, MAX_LINE_BYTES, 10, 5, MAX_LINE_BYTES],
      'a line of exactly the limit is one line, not followed by an empty one',
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a trim keeps the newer half from a line start; a reader goes on where it was, and a new one starts at the kept part', async () => {
  const { dir, files } = tempFiles();
  try {
    const state = await loadStampState(files);
    const line = (i: number) => `line ${String(i).padStart(4, '0')} ${'.'.repeat(40)}\n`;
    let printed = '';
    for (let i = 0; i < 100; i++) printed += line(i);
    writeFileSync(files.log, printed);
    await stampNewBytes(files, state);
    const reader = new LogCursor(files);
    assert.equal((await reader.next(false)).length, 100);

    await trimStampedLog(files, state, 4000);
    const kept = readFileSync(files.log, 'utf8');
    assert.ok(kept.length <= 2000 && kept.length > 0, `kept ${kept.length} bytes`);
    assert.ok(printed.endsWith(kept) && kept.startsWith('line '), 'the newer half, from the start of a line');

    appendFileSync(files.log, line(100));
    await stampNewBytes(files, state);
    assert.deepEqual(texts(await reader.next(false)), [line(100).trimEnd()], 'the reader read on past the trim');
    const fresh = texts(await new LogCursor(files).next(true));
    assert.deepEqual(fresh, (kept + line(100)).trimEnd().split('\n'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
