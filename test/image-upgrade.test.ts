import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { appJson, cliOk, copyExampleApp, deployApp, editFile, waitDeployed, workersJson } from './helpers/app-fixture';
import { assertUpgradeServedAll, readStream, startLoop } from './helpers/load';
import { usePlatform } from './helpers/platform';
import { waitFor } from './helpers/wait';

// The seed's second scenario (shared/seed/App_Upgrade.md, "everai app upgrade --image"), through
// the real CLI and real HTTP, with load on the route the whole time.

let dir: string;
const platform = usePlatform();

test('app upgrade --image under load: zero failed requests, streams complete, old worker terminated', async () => {
  dir = copyExampleApp(platform);
  // Room for 2 streams and 4 looping clients on the one worker at once (the default is 1).
  editFile(join(dir, 'app.ts'), (text) => text.replace('image: Image.fromRegistry(IMAGE),', 'image: Image.fromRegistry(IMAGE),\n  concurrency: 8,'));
  await deployApp(platform, dir);
  const route = `${platform.url}/api/apps/v1/routes/get-start`;

  const [firstWorker] = await workersJson(platform, 'get-start', false);
  assert.ok(firstWorker);
  assert.equal(firstWorker.status, 'STATUS_RUNNING');
  assert.equal(firstWorker.detailStatus, 'DETAIL_STATUS_FREE');
  const listed = await cliOk(platform, ['worker', 'list', 'get-start']);
  assert.match(listed, /^ID\s+STATUS\s+DETAIL_STATUS\s+CREATED_AT\s+DELETED_AT\n-+ {2}-+/);
  assert.match(listed, new RegExp(`${firstWorker.id}\\s+RUNNING\\s+FREE\\s+\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\+0000`));

  const before = await readStream(`${route}/sse?n=3&delay=20`, platform.token);
  assert.equal(before.status, 200);
  assert.equal(before.text, 'hello again 0\n\nhello again 1\n\nhello again 2\n\n');

  // The user's edit: new text, IMAGE's tag bumped, build. Nothing that runs changes yet.
  editFile(join(dir, 'app.ts'), (text) => text.replaceAll('hello again', 'hello world again'));
  editFile(join(dir, 'image_builder.ts'), (text) => text.replace("'get-start:v1'", "'get-start:v2'"));
  await cliOk(platform, ['image', 'build'], dir);

  // Load: 4 looping clients, and 2 SSE streams that stay open across the switch (about 12 s each).
  const loop = startLoop(`${route}/sse?n=1&delay=0`, platform.token, 4);
  const streams = [readStream(`${route}/sse?n=60&delay=200`, platform.token), readStream(`${route}/sse?n=60&delay=200`, platform.token)];
  await new Promise((resolve) => setTimeout(resolve, 300));
  const upgraded = await cliOk(platform, ['app', 'upgrade', '--image'], dir);
  assert.match(upgraded, /rolling out revision 2/);

  const preparing = await appJson(platform, 'get-start');
  assert.equal(preparing.status, 'PREPARING');

  // Old and new side by side: the old one RUNNING (then REMOVE while its streams end), the new one beside it.
  const sideBySide = await waitFor('old and new workers side by side', async () => {
    const workers = await workersJson(platform, 'get-start');
    const old = workers.find((w) => w.id === firstWorker.id);
    const fresh = workers.find((w) => w.id !== firstWorker.id && w.status === 'STATUS_RUNNING');
    return old?.status === 'STATUS_RUNNING' && fresh ? { old, fresh } : undefined;
  });
  assert.equal(sideBySide.fresh.appRevision, 2);
  await waitFor('the old worker to turn REMOVE', async () =>
    (await workersJson(platform, 'get-start')).some((w) => w.id === firstWorker.id && w.detailStatus === 'DETAIL_STATUS_REMOVE'),
  );

  const report = await loop.stop();
  assertUpgradeServedAll(report, await Promise.all(streams));
  assert.ok(report.ok > 0);

  const app = await waitDeployed(platform, 'get-start');
  assert.equal(app.revision, 2);
  const workers = await workersJson(platform, 'get-start');
  const old = workers.find((w) => w.id === firstWorker.id);
  assert.equal(old?.status, 'STATUS_TERMINATED');
  assert.ok(old?.deletedAt, 'the old worker shows DELETED_AT');
  const all = await cliOk(platform, ['worker', 'list', '-a'], dir);
  assert.match(all, new RegExp(`${firstWorker.id}\\s+TERMINATED\\s+\\S+\\s+\\S+\\+0000`));
  const running = await cliOk(platform, ['worker', 'list'], dir);
  assert.doesNotMatch(running, new RegExp(firstWorker.id), 'without -a, terminated workers are hidden');

  const afterUpgrade = await readStream(`${route}/sse?n=3&delay=20`, platform.token);
  assert.equal(afterUpgrade.text, 'hello world again 0\n\nhello world again 1\n\nhello world again 2\n\n');
  const table = await cliOk(platform, ['app', 'list']);
  // The seed's columns (NAME STATUS CREATED_AT ROUTE_NAME) with the later CLI's NAMESPACE and WORKERS.
  assert.match(table, /^NAME\s+NAMESPACE\s+STATUS\s+WORKERS\s+CREATED_AT\s+ROUTE_NAME\n/);
  assert.match(table, /get-start\s+default\s+DEPLOYED\s+1\/1\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0000\s+get-start\n/);
  const wide = await cliOk(platform, ['app', 'list', '-o', 'wide']);
  assert.match(wide, new RegExp(`get-start\\s+2\\s+${platform.url}/api/apps/v1/routes/get-start/\\n`), 'wide shows the revision and the URL to curl');

  const events = await cliOk(platform, ['app', 'events', 'get-start']);
  assert.match(events, /^TYPE\s+FROM\s+CREATED_AT\s+MESSAGE\n/);
  assert.match(events, /NORMAL\s+Scheduler\s+\S+\s+Successfully assigned worker\/\w+ to node\/local/);
  assert.match(events, /NORMAL\s+AppServer\s+\S+\s+Worker\/\w+ is ready now/);
  assert.match(events, /Rollout of revision 2 started/);
});

test('upgrading to the same image digest rolls nothing out', async () => {
  const [before] = await workersJson(platform, 'get-start', false);
  const out = await cliOk(platform, ['app', 'upgrade', '--image'], dir);
  assert.match(out, /unchanged at revision 2: nothing to roll out/);
  const [after] = await workersJson(platform, 'get-start', false);
  assert.equal(after?.id, before?.id);
});
