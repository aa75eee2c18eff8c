#!/usr/bin/env node
'use strict';
// The second half of `npm test`: the tests of what a data plane must keep (routes, headers, worker
// choice, queue and sessions, drains, upgrades under load, scale from zero, request metrics) run
// again with HAProxy as the data plane, so both planes are held to the same behaviour. Skipped,
// and said so, where HAProxy is not installed.
const { spawnSync } = require('node:child_process');
const { join } = require('node:path');

const planeTests = [
  'gateway', 'gateway-headers', 'gateway-workers', 'app-route-queue', 'app-route-sessions',
  'drain-deadline', 'image-upgrade', 'repeated-upgrades', 'failed-revisions', 'scale-to-zero', 'metrics',
];

// The binary the server would start (EVERAI_HAPROXY, or haproxy on PATH).
const haproxy = spawnSync(process.env.EVERAI_HAPROXY ?? 'haproxy', ['-v'], { stdio: 'ignore' });
if (haproxy.status !== 0) {
  console.log('# haproxy is not installed: the data-plane tests ran on the Node gateway only');
  process.exit(0);
}
const files = planeTests.map((name) => join(__dirname, '..', 'dist', 'test', `${name}.test.js`));
const run = spawnSync(process.execPath, ['--test', '--test-concurrency=2', ...files], {
  stdio: 'inherit',
  env: { ...process.env, EVERAI_DATA_PLANE: 'haproxy' },
});
process.exit(run.status ?? 1);
