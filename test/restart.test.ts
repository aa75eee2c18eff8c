import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { appJson, copyExampleApp, deployApp, waitDeployed, workersJson } from './helpers/app-fixture';
import { startTestPlatform, type TestPlatform } from './helpers/platform';
import { findWorkerProcesses } from '../src/server/runtime/process/worker-processes';

let platform: TestPlatform;
before(async () => {
  platform = await startTestPlatform();
});
after(async () => {
  await platform?.stop();
});

test('a server killed with SIGKILL restarts with every app, its worker adopted, none twice', async () => {
  await deployApp(platform, copyExampleApp());
  const [worker] = await workersJson(platform, 'get-start', false);
  assert.ok(worker);

  await platform.kill();
  // The worker outlives the crash: it is a process group of its own, logging to a file.
  assert.deepEqual([...(await findWorkerProcesses(platform.dataDir)).keys()], [worker.id]);

  await platform.restart();
  const app = await waitDeployed(platform, 'get-start');
  assert.equal(app.workers.ready, 1);
  const workers = await workersJson(platform, 'get-start', false);
  assert.deepEqual(workers.map((w) => w.id), [worker.id], 'the same worker serves on; no duplicate was started');
  assert.equal((await findWorkerProcesses(platform.dataDir)).size, 1, 'exactly one worker process group');

  const res = await fetch(`${platform.url}/api/apps/v1/routes/get-start/hello`, {
    headers: { authorization: `Bearer ${platform.token}` },
  });
  assert.equal(res.status, 200);
  assert.equal(await res.text(), 'hello world');
  assert.equal((await appJson(platform, 'get-start')).status, 'DEPLOYED');
});
