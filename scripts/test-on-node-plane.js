#!/usr/bin/env node
'use strict';
// The second half of `npm test`. The whole suite ran on the default data plane, HAProxy where it
// is installed; the tests of what a plane must keep (routes and their errors, headers, worker
// choice, queue and sessions, drains, upgrades under load, failed revisions, scale from zero,
// request metrics) now run again on the Node gateway alone, so both planes are held to the same
// behaviour. Where the suite already ran on the Node gateway (no HAProxy, or EVERAI_DATA_PLANE=node),
// this says so.
const { spawnSync } = require('node:child_process');
const { join } = require('node:path');

const dist = join(__dirname, '..', 'dist');
const { findHaproxy } = require(join(dist, 'src', 'server', 'gateway', 'haproxy', 'haproxy-binary.js'));

const planeTests = [
  'gateway', 'gateway-headers', 'gateway-workers', 'app-route-queue', 'app-route-sessions',
  'drain-deadline', 'image-upgrade', 'repeated-upgrades', 'failed-revisions', 'scale-to-zero', 'worker-places',
  'metrics',
];

async function main() {
  if (process.env.EVERAI_DATA_PLANE === 'node') {
    console.log('# EVERAI_DATA_PLANE=node: the suite ran on the Node gateway only');
    return 0;
  }
  if (!(await findHaproxy())) {
    console.log('# HAProxy is not installed (apt-get install -y haproxy): the suite ran on the Node gateway only');
    return 0;
  }
  const files = planeTests.map((name) => join(dist, 'test', `${name}.test.js`));
  const run = spawnSync(process.execPath, ['--test', '--test-concurrency=2', ...files], {
    stdio: 'inherit',
    env: { ...process.env, EVERAI_DATA_PLANE: 'node' },
  });
  return run.status ?? 1;
}

main().then((code) => process.exit(code));
