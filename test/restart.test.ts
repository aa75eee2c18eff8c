import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { appJson, cliOk, copyExampleApp, deployApp, editFile, waitDeployed, workersJson } from './helpers/app-fixture';
import { usePlatform } from './helpers/platform';
import { waitFor } from './helpers/wait';
import { adoptedExitsKnown, killWorker, runningWorkerIds } from './helpers/workers';

const platform = usePlatform();

test('a server killed with SIGKILL restarts with every app, its worker adopted, none twice', async () => {
  await deployApp(platform, copyExampleApp(platform));
  const [worker] = await workersJson(platform, 'get-start', false);
  assert.ok(worker);

  await platform.kill();
  // The worker outlives the crash: it is a process group of its own, logging to a file.
  assert.deepEqual(await runningWorkerIds(platform.dataDir), [worker.id]);

  await platform.restart();
  const app = await waitDeployed(platform, 'get-start');
  assert.equal(app.workers.ready, 1);
  const workers = await workersJson(platform, 'get-start', false);
  assert.deepEqual(workers.map((w) => w.id), [worker.id], 'the same worker serves on; no duplicate was started');
  assert.equal((await runningWorkerIds(platform.dataDir)).length, 1, 'exactly one worker process group');

  const res = await fetch(`${platform.url}/api/apps/v1/routes/get-start/hello`, {
    headers: { authorization: `Bearer ${platform.token}` },
  });
  assert.equal(res.status, 200);
  assert.equal(await res.text(), 'hello world');
  assert.equal((await appJson(platform, 'get-start')).status, 'DEPLOYED');

  // The adopted worker crashes: under conmon, which outlived the server too, its reason is known.
  await killWorker(platform.dataDir, worker.id);
  const reason = (await adoptedExitsKnown()) ? 'was killed by SIGKILL' : 'ended \\(exit code unknown';
  await waitFor('the adopted worker\'s end in the events', async () =>
    new RegExp(`Worker/${worker.id} failed: its process ${reason}`).test(await cliOk(platform, ['app', 'events', 'get-start'])),
  );
});

test('a server killed just after `app upgrade` converges on restart to the new revision, one process per worker', async () => {
  const dir = copyExampleApp(platform);
  editFile(join(dir, 'app.ts'), (t) => t.replaceAll('hello world', 'hello after the crash'));
  editFile(join(dir, 'image_builder.ts'), (t) => t.replace("'get-start:v1'", "'get-start:v2'"));
  await cliOk(platform, ['image', 'build'], dir);
  await cliOk(platform, ['app', 'upgrade', '--image'], dir);
  await platform.kill();

  await platform.restart();
  const app = await waitDeployed(platform, 'get-start');
  assert.equal(app.revision, 2);
  const workers = await workersJson(platform, 'get-start', false);
  assert.equal(workers.length, 1);
  assert.equal(workers[0]?.appRevision, 2);
  assert.deepEqual(await runningWorkerIds(platform.dataDir), workers.map((w) => w.id), 'exactly one worker process per worker, no orphan');
  const res = await fetch(`${platform.url}/api/apps/v1/routes/get-start/hello`, {
    headers: { authorization: `Bearer ${platform.token}` },
  });
  assert.equal(await res.text(), 'hello after the crash');
});
