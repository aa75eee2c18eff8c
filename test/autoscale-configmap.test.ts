import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appJson, cliOk, copyExampleApp, deployApp } from './helpers/app-fixture';
import { BURST_ARGS, burstScalesUpAndDown, waitWorkerCount } from './helpers/autoscale';
import { usePlatform } from './helpers/platform';

// The autoscaling scenario as examples/autoscale ships it: the SimpleAutoScaler's
// arguments are Placeholders of a configmap, and `configmap update` rescales the app at once.
// Needs the configmap commands and the KeyValueSource wired into the autoscale loop (platform.ts).

const platform = usePlatform();

const literals = (args: Record<string, number>) => Object.entries(args).flatMap(([key, value]) => ['--from-literal', `${key}=${value}`]);

test('autoscaler arguments from a configmap: a burst scales 1 -> 2-3 -> 1, and configmap update to min_workers=2 brings 2', async () => {
  await cliOk(platform, ['configmap', 'create', 'autoscale-configmap', ...literals(BURST_ARGS)]);
  const dir = copyExampleApp(platform, 'autoscale');
  await deployApp(platform, dir, 'autoscale');
  await burstScalesUpAndDown(platform, 'autoscale');

  // The README's step: --merge changes one key and keeps the other four; the message says the autoscaler, not a rollout, picks it up.
  const updated = await cliOk(platform, ['configmap', 'update', 'autoscale-configmap', '--merge', ...literals({ min_workers: 2 })]);
  const items = Object.keys(BURST_ARGS).length;
  assert.equal(
    updated,
    `ConfigMap 'autoscale-configmap' updated to version 2, ${items} items: changed min_workers\n` +
      'The autoscaler of default/autoscale reads it from its next round.\n' +
      // The app also requests the configmap, so its workers' copy is the pinned version until an update.
      'Apps that pin an earlier version (default/autoscale) get version 2 with `everai app update`.\n',
  );
  await waitWorkerCount(platform, 'autoscale', 2);
  assert.equal((await appJson(platform, 'autoscale')).revision, 1, 'a configmap update rolls nothing out');
});
