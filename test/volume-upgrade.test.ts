import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cliOk, copyExampleApp, deployApp, waitDeployed, workersJson } from './helpers/app-fixture';
import { startLoop } from './helpers/load';
import { usePlatform } from './helpers/platform';

// The seed's first scenario (shared/seed/App_Upgrade.md, "everai app upgrade --volume-requests"),
// through the real CLI and real HTTP.

let dir: string;
const platform = usePlatform({
  setup: async () => {
    dir = copyExampleApp(platform, 'show-volume');
  },
});

const VOLUME_LINE = /^<Volume: id: ([2-9A-HJ-NP-Za-km-z]{22}), name: get-start-volume, revision: (\d{6}-[0-9a-f]{3}), files: (\d+), size: ([\d.]+ \w+)>$/m;

async function volumeGet(): Promise<{ id: string; revision: string; files: number; size: string; path: string }> {
  const out = await cliOk(platform, ['volume', 'get', 'get-start-volume']);
  const [, id = '', revision = '', files = '', size = ''] = VOLUME_LINE.exec(out) ?? assert.fail(`unexpected volume get output:\n${out}`);
  const path = /^path: (.+)$/m.exec(out)?.[1] ?? assert.fail(`no path line in:\n${out}`);
  return { id, revision, files: Number(files), size, path };
}

async function showVolume(): Promise<{ status: number; text: string }> {
  const res = await fetch(`${platform.url}/api/apps/v1/routes/show-volume/show-volume`, {
    headers: { authorization: `Bearer ${platform.token}` },
  });
  return { status: res.status, text: await res.text() };
}

test('app upgrade --volume-requests swaps a new volume revision in hot', async () => {
  await cliOk(platform, ['volume', 'create', 'get-start-volume']);
  const empty = await volumeGet();
  assert.equal(empty.revision, '000000-000');
  assert.equal(empty.files, 0);
  assert.equal(empty.size, '0 B');
  assert.equal(empty.path, join(platform.home, 'volumes', empty.id), 'the cache lives under EVERAI_VOLUME_ROOT');

  // The prepare hook makes my-model ("hello world") and pushes the cache.
  await cliOk(platform, ['app', 'prepare'], dir);
  const first = await volumeGet();
  assert.match(first.revision, /^000001-[0-9a-f]{3}$/);
  assert.equal(first.files, 1);
  assert.equal(first.size, '11 B');

  await deployApp(platform, dir, 'show-volume');
  assert.deepEqual(await showVolume(), { status: 200, text: 'hello world\n' });
  const [oldWorker] = await workersJson(platform, 'show-volume', false);
  assert.ok(oldWorker);

  // The user edits the cached file and pushes it; what runs does not change until an upgrade.
  const fourLines = 'hello world\nhello world\nhello world\nhello world\n';
  writeFileSync(join(first.path, 'my-model'), fourLines);
  await cliOk(platform, ['app', 'prepare'], dir);
  const second = await volumeGet();
  assert.match(second.revision, /^000002-[0-9a-f]{3}$/);
  assert.deepEqual(await showVolume(), { status: 200, text: 'hello world\n' }, 'the running worker keeps its pinned revision');

  const loop = startLoop(`${platform.url}/api/apps/v1/routes/show-volume/show-volume`, platform.token, 4);
  const upgraded = await cliOk(platform, ['app', 'upgrade', '--volume-requests'], dir);
  assert.match(upgraded, new RegExp(`rolling out revision 2 .*volume get-start-volume ${second.revision}`));
  const app = await waitDeployed(platform, 'show-volume');
  const report = await loop.stop();
  assert.deepEqual(report.failures, [], 'no request may fail during the upgrade');
  assert.ok(report.ok > 0);
  for (const body of report.bodies) assert.ok(body === 'hello world\n' || body === fourLines, `unexpected body ${JSON.stringify(body)}`);

  assert.equal(app.revision, 2);
  assert.deepEqual(await showVolume(), { status: 200, text: fourLines });
  const workers = await workersJson(platform, 'show-volume');
  assert.equal(workers.find((w) => w.id === oldWorker.id)?.status, 'STATUS_TERMINATED');
  assert.equal(workers.filter((w) => w.status === 'STATUS_RUNNING').length, 1);
});

test('a volume upgrade with no new revision rolls nothing out', async () => {
  const out = await cliOk(platform, ['app', 'upgrade', '--volume-requests'], dir);
  assert.match(out, /unchanged at revision 2/);
});
