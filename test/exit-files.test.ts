import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExitFiles } from '../src/server/runtime/container/exit-files';

// conmon writes a container's exit status into a file named by the container; the server reads
// each end from there, for the containers it started and those it adopted after a restart.

test('an exit file gives the code, or the signal for 128+N; none while the container runs', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'everai-exits-'));
  const exits = new ExitFiles(join(dir, 'exits'));
  const running = spawn('sleep', ['60']);
  try {
    const seven = exits.wait('seven', running.pid as number);
    const killed = exits.wait('killed', running.pid as number);
    let settled = false;
    void seven.then(() => (settled = true));
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(settled, false, 'no file yet, and its first process runs');
    writeFileSync(join(dir, 'exits', 'seven'), '7');
    writeFileSync(join(dir, 'exits', 'killed'), '137');
    assert.deepEqual(await seven, { code: 7, signal: null });
    assert.deepEqual(await killed, { code: null, signal: 'SIGKILL' });
    await exits.remove('seven');
  } finally {
    running.kill();
    exits.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a container whose first process is gone and whose monitor wrote no file ended with its code unknown', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'everai-exits-'));
  const exits = new ExitFiles(dir);
  const gone = spawn('true');
  await new Promise((resolve) => gone.once('exit', resolve));
  try {
    assert.equal(await exits.wait('lost', gone.pid as number), null);
  } finally {
    exits.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
