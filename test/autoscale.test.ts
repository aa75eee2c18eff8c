import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { appJson, cliOk, copyExampleApp, deployApp, editFile } from './helpers/app-fixture';
import { BURST_ARGS, burstScalesUpAndDown, useNumericArgs, waitWorkerCount } from './helpers/autoscale';
import { usePlatform } from './helpers/platform';

// The autoscaling scenario with the SimpleAutoScaler's arguments as numbers; the
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
