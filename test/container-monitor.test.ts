import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cliOk, copyExampleApp, deployApp, workersJson } from './helpers/app-fixture';
import { platformRuntime, startTestPlatform } from './helpers/platform';
import { waitFor } from './helpers/wait';
import { killWorker } from './helpers/workers';
import { findConmon } from '../src/server/runtime/container/container-monitor';

// conmon is each container's monitor where it is installed; runc in the foreground stands in where
// it is not. CI installs conmon, so every other test runs under it: here runc gets its turn.

test('under runc in the foreground, as under conmon, a worker serves, logs, and its crash is reported with its signal', { skip: platformRuntime() === 'process' }, async () => {
  const monitors = [undefined, ...((await findConmon()) ? ['runc'] : [])];
  for (const monitor of monitors) {
    const previous = process.env.EVERAI_CONTAINER_MONITOR;
    if (monitor) process.env.EVERAI_CONTAINER_MONITOR = monitor;
    const platform = await startTestPlatform();
    try {
      assert.match(platform.log(), monitor === 'runc' || !(await findConmon()) ? /monitor: runc in the foreground/ : /monitor \/\S*conmon/);
      await deployApp(platform, copyExampleApp(platform));
      const [worker] = await workersJson(platform, 'get-start', false);
      assert.ok(worker);
      await waitFor('its log', async () => /serving app get-start/.test(await cliOk(platform, ['worker', 'logs', worker.id])));
      await killWorker(platform.dataDir, worker.id);
      await waitFor('its end in the events', async () =>
        new RegExp(`Worker/${worker.id} failed: its process was killed by SIGKILL`).test(await cliOk(platform, ['app', 'events', 'get-start'])),
      );
    } finally {
      await platform.stop();
      if (previous === undefined) delete process.env.EVERAI_CONTAINER_MONITOR;
      else process.env.EVERAI_CONTAINER_MONITOR = previous;
    }
  }
});
