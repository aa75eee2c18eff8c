import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cliOk, copyExampleApp, deployApp, waitDeployed, workersJson } from './helpers/app-fixture';
import { startLoop } from './helpers/load';
import { usePlatform } from './helpers/platform';
import { PYTHON_IMAGE_MISSING } from './helpers/python';
import { volumeJson } from './helpers/volumes';

// The seed's first scenario ("everai app upgrade --volume-requests") with its Python app as the
// guide writes it (examples/show-volume-python): @app.prepare() with context.get_volume and
// context.volume_manager.push, run by `everai app prepare`. test/volume-upgrade.test.ts covers
// the same with the TypeScript app, and the seed's `volume get` lines.

const platform = usePlatform({ skip: PYTHON_IMAGE_MISSING });
const APP = 'show-volume-python';
const VOLUME = 'get-start-volume';

async function showVolume(): Promise<{ status: number; text: string }> {
  const res = await fetch(`${platform.url}/api/apps/v1/routes/${APP}/show-volume`, { headers: { authorization: `Bearer ${platform.token}` } });
  return { status: res.status, text: await res.text() };
}

test('app upgrade --volume-requests of a Python app: prepare pushes revisions, the upgrade serves the new text hot', { skip: PYTHON_IMAGE_MISSING }, async () => {
  const dir = copyExampleApp(platform, APP);
  // No `volume create`: the app asks for its volume with create_if_not_exists=True.
  const prepared = await cliOk(platform, ['app', 'prepare'], dir);
  assert.match(prepared, new RegExp(`^Volume '${VOLUME}' created \\(create_if_not_exists\\)\\nprepare hook 1/1: prepare_model\\n`));
  assert.match(prepared, new RegExp(`App '${APP}': ran 1 prepare hook\\n$`));
  const first = await volumeJson(platform, VOLUME);
  assert.match(first.revision, /^000001-[0-9a-f]{3}$/);
  assert.equal(first.files, 1);
  assert.equal(first.size, 11);

  await deployApp(platform, dir, APP);
  assert.deepEqual(await showVolume(), { status: 200, text: 'hello world\n' });
  const [oldWorker] = await workersJson(platform, APP, false);
  assert.ok(oldWorker);

  // The guide's edit of the cached file, pushed by prepare; what runs does not change until an upgrade.
  const fourLines = 'hello world\nhello world\nhello world\nhello world\n';
  writeFileSync(join(first.path, 'my-model'), fourLines);
  await cliOk(platform, ['app', 'prepare'], dir);
  const second = await volumeJson(platform, VOLUME);
  assert.match(second.revision, /^000002-[0-9a-f]{3}$/);
  assert.deepEqual(await showVolume(), { status: 200, text: 'hello world\n' }, 'the running worker keeps its pinned revision');

  const loop = startLoop(`${platform.url}/api/apps/v1/routes/${APP}/show-volume`, platform.token, 4);
  const upgraded = await cliOk(platform, ['app', 'upgrade', '--volume-requests'], dir);
  assert.match(upgraded, new RegExp(`rolling out revision 2 .*volume ${VOLUME} ${second.revision}`));
  const app = await waitDeployed(platform, APP);
  const report = await loop.stop();
  assert.deepEqual(report.failures, [], 'no request may fail during the upgrade');
  assert.ok(report.ok > 0);
  assert.deepEqual(
    [...report.bodies].filter((body) => body !== 'hello world\n' && body !== fourLines),
    [],
    'every answer is the old text or the new one',
  );

  assert.equal(app.revision, 2);
  assert.deepEqual(await showVolume(), { status: 200, text: fourLines });
  const workers = await workersJson(platform, APP);
  assert.equal(workers.find((w) => w.id === oldWorker.id)?.status, 'STATUS_TERMINATED');
  assert.equal(workers.filter((w) => w.status === 'STATUS_RUNNING').length, 1);
});
