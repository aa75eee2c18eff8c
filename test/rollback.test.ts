import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { cliOk, copyExampleApp, deployApp, editFile, waitDeployed, workersJson } from './helpers/app-fixture';
import { startLoop } from './helpers/load';
import { usePlatform, type TestPlatform } from './helpers/platform';
import { waitFor } from './helpers/wait';
import type { RevisionView } from '../src/contract/api-views';
import { killWorker, runningWorkerIds } from './helpers/workers';

let dir: string;
const platform = usePlatform({
  setup: async () => {
    dir = copyExampleApp(platform);
    await deployApp(platform, dir);
  },
});

const sseOnce = (platform: TestPlatform) => `${platform.url}/api/apps/v1/routes/get-start/sse?n=1&delay=0`;

async function revisions(): Promise<RevisionView[]> {
  return JSON.parse(await cliOk(platform, ['app', 'revisions', 'get-start', '-o', 'json'])) as RevisionView[];
}

test('app rollback returns the previous code under load, with zero failed requests', async () => {
  editFile(join(dir, 'app.ts'), (text) => text.replaceAll('hello again', 'hello world again'));
  editFile(join(dir, 'image_builder.ts'), (text) => text.replace("'get-start:v1'", "'get-start:v2'"));
  await cliOk(platform, ['image', 'build'], dir);
  await cliOk(platform, ['app', 'upgrade', '--image'], dir);
  await waitDeployed(platform, 'get-start');
  const history = await revisions();
  assert.deepEqual(history.map((r) => [r.revision, r.image, r.serving, r.target, r.failure]), [
    [1, 'get-start:v1', false, false, ''],
    [2, 'get-start:v2', true, true, ''],
  ]);
  const table = await cliOk(platform, ['app', 'revisions', 'get-start']);
  assert.match(table, /^REVISION\s+IMAGE\s+IMAGE_DIGEST\s+VOLUMES\s+CREATED_AT\s+SERVING\s+STATUS\n/);
  assert.match(table, /\n\s+2\s+get-start:v2\s+sha256:\w+\s+\S+\s+yes\s+TARGET\n/);

  const loop = startLoop(sseOnce(platform), platform.token, 4);
  const out = await cliOk(platform, ['app', 'rollback', 'get-start']);
  assert.match(out, /rolling out revision 3 \(image get-start:v1\)/);
  const app = await waitDeployed(platform, 'get-start');
  const report = await loop.stop();
  assert.deepEqual(report.failures, []);
  assert.equal(app.revision, 3);
  assert.equal(app.imageDigest, history[0]?.imageDigest, 'revision 3 pins what revision 1 pinned');
  const res = await fetch(sseOnce(platform), { headers: { authorization: `Bearer ${platform.token}` } });
  assert.equal(await res.text(), 'hello again 0\n\n');

  const bad = await platform.cli(['app', 'rollback', 'get-start', '--to', '9']);
  assert.notEqual(bad.code, 0);
  assert.equal(bad.stderr.trim(), "Error: app 'get-start' has no revision 9");
});

test('worker logs show what the worker printed', async () => {
  const [worker] = await workersJson(platform, 'get-start', false);
  assert.ok(worker);
  const logs = await cliOk(platform, ['worker', 'logs', worker.id]);
  assert.match(logs, new RegExp(`worker ${worker.id}: serving app get-start on [\\d.]+:\\d+`));
  const unknown = await platform.cli(['worker', 'logs', 'NoSuchWorker2222222222']);
  assert.equal(unknown.stderr.trim(), "Error: worker 'NoSuchWorker2222222222' not found");
});

test('a worker killed with SIGKILL under looping GET clients costs no request; it is replaced', async () => {
  const [worker] = await workersJson(platform, 'get-start', false);
  assert.ok(worker);
  // A one-write answer: a GET is either answered whole or not at all when the worker dies, and
  // one not answered at all must be retried. (A stream cut half-way cannot be, by any proxy.)
  const loop = startLoop(`${platform.url}/api/apps/v1/routes/get-start/hello`, platform.token, 4);
  await new Promise((resolve) => setTimeout(resolve, 500));
  assert.ok((await runningWorkerIds(platform.dataDir)).includes(worker.id), 'the worker runs');
  await killWorker(platform.dataDir, worker.id);
  await waitFor('a replacement worker', async () =>
    (await workersJson(platform, 'get-start', false)).some((w) => w.id !== worker.id && w.detailStatus !== 'DETAIL_STATUS_IN_FLIGHT' && w.status === 'STATUS_RUNNING'),
  );
  await waitDeployed(platform, 'get-start');
  await new Promise((resolve) => setTimeout(resolve, 500));
  const report = await loop.stop();
  assert.deepEqual(report.failures, [], 'GETs cut by the kill are retried on the replacement');
  const killed = (await workersJson(platform, 'get-start')).find((w) => w.id === worker.id);
  assert.equal(killed?.status, 'STATUS_ERROR');
  const events = await cliOk(platform, ['app', 'events', 'get-start']);
  assert.match(events, new RegExp(`WARNING\\s+AppServer\\s+\\S+\\s+Worker/${worker.id} failed: its process was killed by SIGKILL`));
});
