import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { cliOk, copyExampleApp, deployApp, editFile, waitDeployed, workersJson } from './helpers/app-fixture';
import { assertUpgradeServedAll, readStream, startLoop } from './helpers/load';
import { usePlatform } from './helpers/platform';
import { PYTHON_IMAGE_MISSING } from './helpers/python';
import { waitFor } from './helpers/wait';

// The seed's second scenario ("everai app upgrade --image") with its Python app as the guide
// writes it (examples/get-start-python): an app.py on the Python base, upgraded hot under load.
// test/image-upgrade.test.ts covers the platform's side (tables, events) with the TypeScript app.

const platform = usePlatform({ skip: PYTHON_IMAGE_MISSING });
const APP = 'get-start-python';

test('app upgrade --image of a Python app under load: zero failed requests, the open streams complete', { skip: PYTHON_IMAGE_MISSING }, async () => {
  const dir = copyExampleApp(platform, APP);
  // Room for 2 streams and 4 looping clients on the one worker at once (the default is 1).
  editFile(join(dir, 'app.py'), (text) => text.replace('image=Image.from_registry(IMAGE),', 'image=Image.from_registry(IMAGE),\n    concurrency=8,'));
  await deployApp(platform, dir, APP);
  const route = `${platform.url}/api/apps/v1/routes/${APP}`;
  const [firstWorker] = await workersJson(platform, APP, false);
  assert.ok(firstWorker);

  const before = await readStream(`${route}/sse?n=3&delay=0.02`, platform.token);
  assert.equal(before.status, 200);
  assert.equal(before.text, 'hello again 0\n\nhello again 1\n\nhello again 2\n\n');

  // The guide's edit: new text, IMAGE's tag bumped, build. Nothing that runs changes yet.
  editFile(join(dir, 'app.py'), (text) => text.replaceAll('hello again', 'hello world again'));
  editFile(join(dir, 'image_builder.py'), (text) => text.replace(`'${APP}:v1'`, `'${APP}:v2'`));
  await cliOk(platform, ['image', 'build'], dir);

  // Load: 4 looping clients, and 2 SSE streams open across the switch (about 12 s each).
  const loop = startLoop(`${route}/sse?n=1&delay=0`, platform.token, 4);
  const streams = [readStream(`${route}/sse?n=60&delay=0.2`, platform.token), readStream(`${route}/sse?n=60&delay=0.2`, platform.token)];
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.match(await cliOk(platform, ['app', 'upgrade', '--image'], dir), /rolling out revision 2/);
  await waitFor('the old worker to turn REMOVE', async () =>
    (await workersJson(platform, APP)).some((w) => w.id === firstWorker.id && w.detailStatus === 'DETAIL_STATUS_REMOVE'),
  );

  assertUpgradeServedAll(await loop.stop(), await Promise.all(streams));

  const app = await waitDeployed(platform, APP);
  assert.equal(app.revision, 2);
  const old = (await workersJson(platform, APP)).find((w) => w.id === firstWorker.id);
  assert.equal(old?.status, 'STATUS_TERMINATED');
  const after = await readStream(`${route}/sse?n=3&delay=0.02`, platform.token);
  assert.equal(after.text, 'hello world again 0\n\nhello world again 1\n\nhello world again 2\n\n');
});
