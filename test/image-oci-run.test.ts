import assert from 'node:assert/strict';
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { freePort } from '../src/server/free-port';
import { REPO_ROOT } from './helpers/cli';
import { usePlatform } from './helpers/platform';
import { waitFor } from './helpers/wait';

// An SDK app's image is a standard OCI image: skopeo pulls it, umoci unpacks it into a runtime
// bundle, runc runs it, and it serves, with nothing of this machine's node or SDK in reach.
// CI installs the tools with `apt-get install -y runc umoci skopeo`; runc needs root.

const TOOLS = ['runc', 'umoci', 'skopeo'];
const missing = TOOLS.filter((tool) => spawnSync(tool, ['--version']).error);
const SKIP =
  missing.length > 0
    ? `${missing.join(', ')} not installed (apt-get install -y runc umoci skopeo): the standard tools this test drives`
    : process.getuid?.() !== 0
      ? 'runc runs containers as root only here; run the test as root'
      : false;

const run = promisify(execFile);
let work: string;

interface OciProcessConfig {
  process: { env: string[]; terminal: boolean; args: string[]; user: { uid: number; gid: number } };
  linux: { namespaces: { type: string }[] };
}

const platform = usePlatform({ skip: SKIP });

before(async () => {
  if (SKIP) return;
  work = mkdtempSync(join(tmpdir(), 'everai-oci-run-'));
});

after(async () => {
  if (SKIP) return;
  rmSync(work, { recursive: true, force: true });
});

test('an SDK app image runs under runc and serves its route', { skip: SKIP }, async (t) => {
  const app = join(work, 'get-start');
  cpSync(join(REPO_ROOT, 'examples', 'get-start'), app, { recursive: true });
  const built = await platform.cli(['image', 'build'], { cwd: app });
  assert.equal(built.code, 0, built.stderr);

  const layout = join(work, 'layout');
  const host = new URL(platform.url).host;
  await run('skopeo', ['--insecure-policy', 'copy', '--src-tls-verify=false', '--src-creds', `x:${platform.token}`, `docker://${host}/admin/get-start:v1`, `oci:${layout}:v1`]);
  const bundle = join(work, 'bundle');
  await run('umoci', ['unpack', '--image', `${layout}:v1`, bundle]);

  const port = await freePort();
  const configPath = join(bundle, 'config.json');
  const config = JSON.parse(readFileSync(configPath, 'utf8')) as OciProcessConfig;
  assert.deepEqual(config.process.args, ['/usr/local/bin/node', '/opt/everai/dist/src/sdk/worker/worker-entry.js']);
  assert.deepEqual(config.process.user, { uid: 65534, gid: 65534 });
  config.process.env.push(`PORT=${port}`);
  config.process.terminal = false;
  // The host's network namespace, so that this test reaches the port on 127.0.0.1.
  config.linux.namespaces = config.linux.namespaces.filter((ns) => ns.type !== 'network');
  writeFileSync(configPath, JSON.stringify(config));

  const id = `everai-test-${process.pid}`;
  let output = '';
  const container: ChildProcess = spawn('runc', ['run', '-b', bundle, id], { stdio: ['ignore', 'pipe', 'pipe'] });
  container.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  container.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  t.after(async () => {
    spawnSync('runc', ['kill', id, 'KILL']);
    spawnSync('runc', ['delete', '-f', id]);
    if (container.exitCode === null && container.signalCode === null) await new Promise((resolve) => container.once('exit', resolve));
  });

  const body = await waitFor(
    'the container to serve /sse',
    async () => {
      if (container.exitCode !== null) throw new Error(`runc exited with ${container.exitCode}:\n${output}`);
      const res = await fetch(`http://127.0.0.1:${port}/sse?n=3&delay=10`);
      return res.status === 200 ? res.text() : undefined;
    },
    60_000,
  ).catch((error: Error) => assert.fail(`${error.message}\ncontainer output:\n${output}`));
  assert.equal(body, 'hello again 0\n\nhello again 1\n\nhello again 2\n\n');
});
