import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runCli } from './helpers/cli';
import { copyExampleApp, deployApp, workersJson } from './helpers/app-fixture';
import { platformRuntime, startTestPlatform, type TestPlatform } from './helpers/platform';
import { processTree, stillThere, workerProcesses } from './helpers/process-tree';
import { waitFor } from './helpers/wait';

// Workers are isolated unless a developer asks otherwise: no OCI runtime, no server; the process
// runtime says what it gives up.

let home: string;
before(() => {
  home = mkdtempSync(join(tmpdir(), 'everai-runtime-'));
});
after(() => rmSync(home, { recursive: true, force: true }));

test('without an OCI runtime the server refuses to start, names the packages to install, and leaves nothing running', async () => {
  const result = await runCli(['server', '--listen', '127.0.0.1:0', '--data', join(home, 'none')], {
    env: { EVERAI_HOME: home, EVERAI_OCI_RUNTIME: '/nonexistent/runc', EVERAI_RUNTIME: '' },
    timeoutMs: 30_000,
  });
  assert.notEqual(result.code, 0);
  const lines = result.stderr.trim().split('\n');
  assert.equal(lines.length, 1, result.stderr);
  assert.match(lines[0] as string, /^Error: no OCI runtime found .*apt-get install -y runc/);
  assert.match(lines[0] as string, /--runtime process/);
});

test('a second server on a busy port says so in one line and exits, leaving the first serving; /healthz answers 200', async () => {
  const first = await startTestPlatform();
  try {
    const health = await fetch(`${first.url}/healthz`);
    assert.equal(health.status, 200);
    assert.deepEqual(await health.json(), { status: 'ready' });
    const listen = new URL(first.url).host;
    const second = await runCli(['server', '--listen', listen, '--data', join(home, 'second')], { env: { EVERAI_HOME: home }, timeoutMs: 30_000 });
    assert.equal(second.code, 2, `the second server must exit by itself:\n${second.stderr}`);
    assert.equal(second.stderr, `Error: ${listen} is already in use (is another everai server running?); pick another with --listen\n`);
    assert.equal((await fetch(`${first.url}/healthz`)).status, 200, 'the first server serves on');
  } finally {
    await first.stop();
  }
});

test('an unknown runtime is refused with the choices', async () => {
  const result = await runCli(['server', '--runtime', 'vm', '--data', join(home, 'bad')], { env: { EVERAI_HOME: home } });
  assert.notEqual(result.code, 0);
  assert.match(result.stderr, /'vm'.*container, process/);
});

test('the process runtime says that apps are not isolated', async () => {
  const previous = process.env.EVERAI_RUNTIME;
  process.env.EVERAI_RUNTIME = 'process';
  let platform: TestPlatform | undefined;
  try {
    platform = await startTestPlatform();
    assert.match(platform.log(), /runtime: process \(for development only: apps are NOT isolated/);
  } finally {
    await platform?.stop();
    if (previous === undefined) delete process.env.EVERAI_RUNTIME;
    else process.env.EVERAI_RUNTIME = previous;
  }
});

test('a server stopped with SIGTERM (Ctrl-C) stops its workers first: no process it started outlives it', async () => {
  const platform = await startTestPlatform();
  try {
    await deployApp(platform, copyExampleApp(platform));
    const [worker] = await workersJson(platform, 'get-start', false);
    assert.ok(worker);
    // Its tree, and the worker's processes and monitor, which a daemonized conmon keeps out of it.
    const tree = processTree(platform.pid);
    const started = [...tree, ...workerProcesses(worker.id).filter((p) => !tree.some((q) => q.pid === p.pid))];
    assert.ok(started.some((p) => /conmon|runc/.test(p.command)) || platformRuntime() === 'process', 'the container\'s monitor is counted');
    // The worker's own process (under runc, or beside the server), not only the server itself.
    assert.ok(started.some((p) => p.command.includes('worker-entry')), `no worker among:\n${started.map((p) => p.command).join('\n')}`);
    process.kill(platform.pid, 'SIGTERM');
    await waitFor('the server to exit', async () => stillThere(started.slice(0, 1)).length === 0);
    // A moment for the last exits to be reaped; whatever is still there then is a leftover.
    await waitFor('every process the server started to end', async () => stillThere(started).length === 0, 10_000).catch(() => undefined);
    assert.deepEqual(stillThere(started).map((p) => `${p.pid} ${p.command || '(defunct)'}`), []);
    assert.match(platform.log(), /SIGTERM: stopping workers and shutting down/);
  } finally {
    await platform.stop();
  }
});
