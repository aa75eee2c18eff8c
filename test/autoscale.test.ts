import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { appJson, cliOk, copyExampleApp, deployApp, editFile } from './helpers/app-fixture';
import { BURST_ARGS, burstScalesUpAndDown, useNumericArgs, waitWorkerCount } from './helpers/autoscale';
import { usePlatform } from './helpers/platform';
import type { EventRecord } from '../src/contract/api-views';

// The issue's autoscaling scenario with the SimpleAutoScaler's arguments as numbers; the
// configmap version (the same scenario, rescaled by `configmap update`) is autoscale-configmap.test.ts.

const platform = usePlatform();

test('a burst on a busy app queues as WorkerBusy, scales up to 2-3 workers, is all served, and scales back to 1', async () => {
  const dir = copyExampleApp(platform, 'autoscale');
  useNumericArgs(dir, BURST_ARGS);
  await deployApp(platform, dir, 'autoscale');
  await burstScalesUpAndDown(platform, 'autoscale');

  // A new minWorkers through `app update`: the scaling changes at once, no new revision rolls out.
  editFile(join(dir, 'app.ts'), (text) => text.replace('minWorkers: 1,', 'minWorkers: 2,'));
  await cliOk(platform, ['app', 'update'], dir);
  await waitWorkerCount(platform, 'autoscale', 2);
  const app = await appJson(platform, 'autoscale');
  assert.equal(app.revision, 1);
  assert.deepEqual(app.autoscaler, {
    kind: 'SimpleAutoScaler',
    args: { minWorkers: 2, maxWorkers: 3, maxIdleTime: 3, scaleUpStep: 1, maxQueueSize: 1 },
  });
});

test('a manual scale-up holds for maxIdleTime before the autoscaler lets any worker go', async () => {
  // The app of the test above: minWorkers 2, maxIdleTime 3 s, both workers idle for a while.
  await waitWorkerCount(platform, 'autoscale', 2);
  await cliOk(platform, ['worker', 'scale-up', 'autoscale', '--num', '1']);
  await waitWorkerCount(platform, 'autoscale', 3);
  await waitWorkerCount(platform, 'autoscale', 2);

  const events = JSON.parse(await cliOk(platform, ['app', 'events', 'autoscale', '-o', 'json'])) as EventRecord[];
  const up = events.find((e) => e.from === 'API' && e.message.startsWith('Scale up: 2 -> 3'));
  const down = events.find((e) => e.from === 'Autoscaler' && e.message.startsWith('Scale down: 3 -> 2'));
  assert.ok(up && down, `expected the manual scale-up and the autoscaler's scale-down in:\n${events.map((e) => `${e.from} ${e.message}`).join('\n')}`);
  // The rule itself, not a speed: the workers idle before the scale-up were not let go until maxIdleTime after it.
  assert.ok(Date.parse(down.createdAt) - Date.parse(up.createdAt) >= 3000, `scale-down ${down.createdAt} came within maxIdleTime of the scale-up ${up.createdAt}`);
});
