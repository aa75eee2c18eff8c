import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appJson, copyExampleApp, deployApp } from './helpers/app-fixture';
import { runCliOnTerminal } from './helpers/cli';
import { usePlatform } from './helpers/platform';

// `app delete` asks on a terminal, and only there: scripts (no terminal) and `--yes` go on.

const platform = usePlatform();

test('app delete asks on a terminal: no keeps the app, yes deletes it', async () => {
  await deployApp(platform, copyExampleApp(platform));

  const refused = await runCliOnTerminal(['app', 'delete', 'get-start'], 'n\r', { env: platform.env });
  assert.match(refused.stdout, /Delete app 'default\/get-start'\? Its workers drain and stop, its route goes\. \[y\/N\]/);
  assert.match(refused.stdout, /Error: nothing was deleted/);
  assert.equal(refused.code, 8);
  assert.equal((await appJson(platform, 'get-start'))?.status, 'DEPLOYED');

  const confirmed = await runCliOnTerminal(['app', 'delete', 'get-start'], 'y\r', { env: platform.env });
  assert.equal(confirmed.code, 0, confirmed.stdout);
  assert.match(confirmed.stdout, /App 'get-start' deleted/);
  assert.equal(await appJson(platform, 'get-start'), undefined);
});
