import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { appJson, cliOk, copyExampleApp, deployApp, editFile, waitDeployed, workersJson } from './helpers/app-fixture';
import { readStream, startLoop, type StreamReport } from './helpers/load';
import { usePlatform } from './helpers/platform';
import { runningWorkerIds } from './helpers/workers';

const UPGRADES = 20;

let dir: string;
const platform = usePlatform({
  setup: async () => {
    dir = copyExampleApp(platform);
    editFile(join(dir, 'app.ts'), (t) => t.replace('image: Image.fromRegistry(IMAGE),', 'image: Image.fromRegistry(IMAGE),\n  concurrency: 4,'));
    await deployApp(platform, dir);
  },
});

test(`${UPGRADES} image upgrades in a row under 8 looping clients and streams: nothing fails, nothing is cut`, async () => {
  const route = `${platform.url}/api/apps/v1/routes/get-start`;
  const loop = startLoop(`${route}/hello`, platform.token, 8);
  const streams: Promise<StreamReport>[] = [];
  for (let i = 1; i <= UPGRADES; i++) {
    editFile(join(dir, 'app.ts'), (t) => t.replace(/'hello world'|'hello world \d+'/, `'hello world ${i}'`));
    editFile(join(dir, 'image_builder.ts'), (t) => t.replace(/'get-start:[^']+'/, `'get-start:u${i}'`));
    await cliOk(platform, ['image', 'build'], dir);
    streams.push(readStream(`${route}/sse?n=10&delay=100`, platform.token));
    await cliOk(platform, ['app', 'upgrade', '--image'], dir);
    // Every other upgrade waits for its rollout; the rest land while one is still in progress.
    if (i % 2 === 0) await waitDeployed(platform, 'get-start');
  }
  const app = await waitDeployed(platform, 'get-start');
  const report = await loop.stop();
  const streamed = await Promise.all(streams);

  assert.deepEqual(report.failures, [], 'no request failed');
  assert.ok(report.ok > UPGRADES, `only ${report.ok} requests were served`);
  for (const [i, stream] of streamed.entries()) {
    assert.equal(stream.error, undefined, `stream ${i} was cut: ${stream.error}`);
    assert.equal(stream.text.split('\n\n').filter(Boolean).length, 10, `stream ${i} ended early`);
  }
  const final = await fetch(`${route}/hello`, { headers: { authorization: `Bearer ${platform.token}` } });
  assert.equal(await final.text(), `hello world ${UPGRADES}`);

  assert.equal(app.workers.ready, 1);
  const running = await workersJson(platform, 'get-start', false);
  assert.equal(running.length, 1, 'exactly the desired number of workers');
  assert.equal(running[0]?.appRevision, app.revision);
  assert.equal((await runningWorkerIds(platform.dataDir)).length, 1, 'and exactly one worker process');
  assert.equal((await appJson(platform, 'get-start')).status, 'DEPLOYED');
});
