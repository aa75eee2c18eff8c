import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { releaseExecFifo } from '../src/server/runtime/container/exec-fifo';

// How a created runc container is started without `runc start`: its init waits on a fifo, as a shell does here.

const dir = mkdtempSync(join(tmpdir(), 'everai-exec-fifo-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function fifo(name: string): string {
  const path = join(dir, name);
  assert.equal(spawnSync('mkfifo', [path]).status, 0);
  return path;
}

test('a writer waiting on the fifo writes its byte, goes on, and the fifo is removed', async () => {
  const path = fifo('waiting');
  // As runc's init: open for writing (blocks until a reader comes), write, then carry on.
  const init = spawn('sh', ['-c', `printf 0 > ${path}; echo started`], { stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  init.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const ended = new Promise((resolve) => init.once('exit', resolve));
  assert.equal(await releaseExecFifo(path, init.pid as number), true);
  await ended;
  assert.equal(out.trim(), 'started');
  assert.equal(existsSync(path), false, 'a started container has no fifo left');
});

test('no fifo: false, so runc start is asked', async () => {
  assert.equal(await releaseExecFifo(join(dir, 'none'), process.pid), false);
});

test('an init that died before writing: false, and the fifo stays for runc start to report on', async () => {
  const path = fifo('dead');
  const gone = spawn('true');
  await new Promise((resolve) => gone.once('exit', resolve));
  assert.equal(await releaseExecFifo(path, gone.pid as number), false);
  assert.equal(existsSync(path), true);
});
