import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { copyExampleApp, deployApp, workersJson } from './helpers/app-fixture';
import { runCli } from './helpers/cli';
import { usePlatform } from './helpers/platform';
import { waitFor } from './helpers/wait';

// Whoever runs the server can feed its log to a collector: `--log-format json` makes every line
// one JSON object, while the lines a user copies (listening on, everai login) stay as they are.

const platform = usePlatform({ serverArgs: ['--log-format', 'json'] });

interface LogLine {
  time: string;
  level: string;
  component: string;
  msg: string;
  app?: string;
  method?: string;
  path?: string;
  status?: number;
  worker?: string;
  durationMs?: number;
  bytes?: number;
}

function jsonLines(): LogLine[] {
  return platform
    .log()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogLine);
}

test('with --log-format json, what the controller does is logged as JSON lines', async () => {
  const dir = copyExampleApp(platform);
  const app = await deployApp(platform, dir);
  const lines = jsonLines();
  const deployed = lines.find((line) => line.msg === 'App is deployed: revision 1 serves');
  assert.ok(deployed, `no JSON line says the app deployed in:\n${platform.log()}`);
  assert.equal(deployed.level, 'info');
  assert.equal(deployed.component, 'controller');
  assert.equal(deployed.app, app.id);
  assert.ok(!Number.isNaN(Date.parse(deployed.time)));
  // The lines a user reads and copies are not JSON.
  assert.match(platform.log(), /^everai login --token \S+ --endpoint http:\/\/127\.0\.0\.1:\d+$/m);
});

test('with --log-format json, each request the gateway serves is an access log JSON line', async () => {
  const [worker] = await workersJson(platform, 'get-start', false);
  const res = await fetch(`${platform.url}/api/apps/v1/routes/get-start/sse?n=2&delay=0`, { headers: { authorization: `Bearer ${platform.token}` } });
  assert.equal(await res.text(), 'hello again 0\n\nhello again 1\n\n');
  const access = await waitFor('the access line', async () =>
    jsonLines().find((line) => line.component === 'access' && line.path === '/api/apps/v1/routes/get-start/sse'),
  );
  assert.equal(access.level, 'info');
  assert.equal(access.msg, 'request');
  assert.deepEqual([access.method, access.status, access.app, access.worker], ['GET', 200, 'default/get-start', worker?.id]);
  assert.ok(typeof access.durationMs === 'number' && access.durationMs >= 0);
  assert.ok(typeof access.bytes === 'number' && access.bytes > 'hello again 0\n\nhello again 1\n\n'.length);
  assert.ok(!Number.isNaN(Date.parse(access.time)));
});

test('an unknown --log-format is refused with one line that names the choices', async () => {
  const home = mkdtempSync(join(tmpdir(), 'everai-log-format-'));
  try {
    const result = await runCli(['server', '--log-format', 'xml', '--data', join(home, 'server')], { env: { EVERAI_HOME: home } });
    assert.notEqual(result.code, 0);
    assert.equal(result.stdout, '');
    assert.deepEqual(result.stderr.trim().split('\n'), ["Error: option '--log-format <format>' argument 'xml' is invalid. Allowed choices are text, json."]);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});
