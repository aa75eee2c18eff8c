import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cliOk, copyExampleApp, deployApp, editFile, waitDeployed } from './helpers/app-fixture';
import { usePlatform } from './helpers/platform';
import { waitFor } from './helpers/wait';

// Unpacked images and volume trees no worker uses go from the data folder (docs/worker-lifecycle.md,
// "What stays on disk"). No grace here, so each sweep (every second) takes whatever is unused.

let dir: string;
const platform = usePlatform({
  serverArgs: ['--unpacked-retention-minutes', '0'],
  setup: async () => {
    dir = copyExampleApp(platform, 'show-volume');
  },
});

const MARK = '// revision two';

const imagesDir = () => join(platform.dataDir, 'images');
const treesDir = () => join(platform.dataDir, 'volume-trees');
const listed = (path: string) => (existsSync(path) ? readdirSync(path).sort() : []);
/** `<volume id>/<revision>` of each volume tree. */
const volumeTrees = () => listed(treesDir()).flatMap((volume) => listed(join(treesDir(), volume)).map((revision) => `${volume}/${revision}`));
/** The unpacked trees of whole app images (the lower ones, the node base and the SDK, have no /app). */
const appTrees = () => listed(imagesDir()).filter((key) => existsSync(join(imagesDir(), key, 'app', 'app.ts')));

async function showVolume(): Promise<string> {
  const res = await fetch(`${platform.url}/api/apps/v1/routes/show-volume/show-volume`, { headers: { authorization: `Bearer ${platform.token}` } });
  assert.equal(res.status, 200);
  return res.text();
}

test('an upgrade leaves the old image and volume trees unused: they go, what the new worker runs on stays', async () => {
  await cliOk(platform, ['volume', 'create', 'get-start-volume']);
  await cliOk(platform, ['app', 'prepare'], dir);
  await deployApp(platform, dir, 'show-volume');
  const [oldImage] = appTrees();
  const [oldVolume] = volumeTrees();
  assert.ok(oldImage && oldVolume);
  const lower = listed(imagesDir()).filter((key) => key !== oldImage);

  // A new volume revision and a new image, rolled out together.
  const cache = /^path: (.+)$/m.exec(await cliOk(platform, ['volume', 'get', 'get-start-volume']))?.[1] ?? assert.fail('no volume path');
  writeFileSync(join(cache, 'my-model'), 'hello again\n');
  await cliOk(platform, ['app', 'prepare'], dir);
  editFile(join(dir, 'app.ts'), (text) => `${text}\n${MARK}\n`);
  editFile(join(dir, 'image_builder.ts'), (text) => text.replace("'show-volume:v1'", "'show-volume:v2'"));
  await cliOk(platform, ['image', 'build'], dir);
  await cliOk(platform, ['app', 'upgrade', '--image', '--volume-requests'], dir);
  assert.equal((await waitDeployed(platform, 'show-volume')).revision, 2);

  // Until only one tree of each is left: a removed tree is renamed to a trash folder first and
  // deleted a moment later, so its old name going is not yet the end.
  const oldGone = () => !appTrees().includes(oldImage) && !volumeTrees().includes(oldVolume);
  await waitFor('the old trees removed', async () => oldGone() && appTrees().length === 1 && volumeTrees().length === 1, 30_000, 250);
  const [newImage] = appTrees();
  assert.ok(newImage);
  assert.match(readFileSync(join(imagesDir(), newImage, 'app', 'app.ts'), 'utf8'), new RegExp(MARK), 'it is the new revision');
  for (const key of lower) assert.ok(existsSync(join(imagesDir(), key)), 'the lower trees it was built from stay');
  assert.notEqual(volumeTrees()[0], oldVolume);
  assert.equal(await showVolume(), 'hello again\n', 'the worker still serves from its trees');
});

test('after a crash, the restarted server keeps the trees of the worker it adopts', async () => {
  const before = { images: listed(imagesDir()), volumes: volumeTrees() };
  await platform.kill();
  // A tree no worker holds: its going shows that sweeps ran after the restart.
  mkdirSync(join(imagesDir(), 'held-by-nobody'));
  await platform.restart();
  await waitDeployed(platform, 'show-volume');
  // Renamed to a trash folder first, then deleted: both names gone is the end of it.
  await waitFor('the unheld tree removed', async () => !listed(imagesDir()).some((key) => key === 'held-by-nobody' || key.startsWith('.trash-')), 30_000, 250);
  assert.deepEqual({ images: listed(imagesDir()), volumes: volumeTrees() }, before);
  assert.equal(await showVolume(), 'hello again\n');
});

test('a deleted app leaves nothing unpacked behind', async () => {
  await cliOk(platform, ['app', 'delete', 'show-volume', '--yes']);
  await waitFor('every tree removed', async () => listed(imagesDir()).length === 0 && listed(treesDir()).length === 0, 30_000, 250);
});
