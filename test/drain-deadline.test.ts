import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { cliOk, copyExampleApp, deployApp, editFile, waitDeployed, workersJson } from './helpers/app-fixture';
import { readStream } from './helpers/load';
import { usePlatform } from './helpers/platform';
import { waitFor } from './helpers/wait';

// A stream that never ends must not hold a rollout forever: past the app's maxDrainSeconds the
// platform cuts it, says so in the app's events, and the old worker stops.

const platform = usePlatform();

const ENDLESS_ROUTE = `
app.service.route('/endless', { methods: ['GET'] }, async function* () {
  for (let i = 0; ; i++) {
    yield \`tick \${i}\\n\\n\`;
    await sleep(200);
  }
});
`;

test('an endless stream is cut at maxDrainSeconds and the rollout completes', async () => {
  const dir = copyExampleApp(platform);
  editFile(join(dir, 'app.ts'), (t) => `${t.replace('image: Image.fromRegistry(IMAGE),', 'image: Image.fromRegistry(IMAGE),\n  maxDrainSeconds: 2,')}${ENDLESS_ROUTE}`);
  await deployApp(platform, dir);
  const [oldWorker] = await workersJson(platform, 'get-start', false);
  assert.ok(oldWorker);

  const stream = readStream(`${platform.url}/api/apps/v1/routes/get-start/endless`, platform.token);
  await waitFor('the stream to be served by the old worker', async () => ((await workersJson(platform, 'get-start', false))[0]?.detailStatus === 'DETAIL_STATUS_BUSY' ? true : undefined));

  editFile(join(dir, 'image_builder.ts'), (t) => t.replace("'get-start:v1'", "'get-start:v2'"));
  await cliOk(platform, ['image', 'build'], dir);
  assert.match(await cliOk(platform, ['app', 'upgrade', '--image'], dir), /rolling out revision 2/);

  // The platform, not the client, ends the stream: it had ticks, then broke off.
  const cut = await stream;
  assert.equal(cut.status, 200);
  assert.match(cut.text, /^tick 0\n\ntick 1\n\n/);
  assert.ok(cut.error, 'a cut stream ends in an error, not as if it were complete');

  const app = await waitDeployed(platform, 'get-start');
  assert.equal(app.revision, 2);
  const old = (await workersJson(platform, 'get-start')).find((w) => w.id === oldWorker.id);
  assert.equal(old?.status, 'STATUS_TERMINATED');

  const events = await cliOk(platform, ['app', 'events', 'get-start']);
  assert.match(
    events,
    new RegExp(`WARNING\\s+AppServer\\s+\\S+\\s+Worker/${oldWorker.id} still held 1 request after draining for 2 s \\(the app's maxDrainSeconds\\): they were cut off`),
  );
  assert.match(events, new RegExp(`Worker/${oldWorker.id} terminated: its 2 s to drain ran out`));
});
