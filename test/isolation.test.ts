import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { stringify } from 'yaml';
import { cliOk, waitDeployed, workersJson } from './helpers/app-fixture';
import { REPO_ROOT } from './helpers/cli';
import { pushDebianPythonImage, DEBIAN_IMAGE_MARKER } from './helpers/debian-image';
import { startLoop } from './helpers/load';
import { platformRuntime, usePlatform } from './helpers/platform';
import { addUser } from './helpers/users';
import { push, volumeJson, volumeOk, writeFiles } from './helpers/volumes';
import { waitFor } from './helpers/wait';
import { killWorker } from './helpers/workers';

// A worker reaches nothing that is not its own (docs/isolation.md). A hostile app, deployed like
// any other, tries to read the server's secrets and another user's files, write its own volume,
// reach the API and another worker, signal processes, fork without end, fill its scratch and
// overrun its memory. Every attempt fails or is contained, while a second app under a looping
// client answers every request.

const skip = platformRuntime() === 'process' ? 'workers are plain processes with EVERAI_RUNTIME=process: nothing is isolated' : false;
const HOSTILE_SOURCE = readFileSync(join(REPO_ROOT, 'test', 'fixtures', 'hostile', 'hostile.py'), 'utf8');
const MEMORY_MB = 512;

let image: string;

function manifest(name: string, spec: Record<string, unknown>): string {
  return stringify({ version: 'everai/v1alpha1', kind: 'App', metadata: { name }, spec: { image, port: 8080, ...spec } });
}

async function deploy(name: string, spec: Record<string, unknown>): Promise<string> {
  const dir = mkdtempSync(join(platform.home, `${name}-`));
  writeFileSync(join(dir, 'app.yaml'), manifest(name, spec));
  await cliOk(platform, ['app', 'create'], dir);
  await waitDeployed(platform, name);
  return dir;
}

async function route(name: string, path: string): Promise<Response> {
  return fetch(`${platform.url}/api/routes/v1/default/${name}${path}`, { headers: { authorization: `Bearer ${platform.token}` } });
}

const platform = usePlatform({
  skip,
  setup: async () => {
    image = await pushDebianPythonImage(platform);
  },
});

test('a hostile worker reaches nothing that is not its own, and a neighbour never notices', { skip }, async () => {
  // Another user's volume, with its local cache on this machine.
  const bobToken = await addUser(platform, 'bob');
  const bobRoot = mkdtempSync(join(platform.home, 'bob-volumes-'));
  await volumeOk(platform, ['volume', 'create', 'bob-private'], { token: bobToken, root: bobRoot });
  const bobVolume = await volumeJson(platform, 'bob-private', { token: bobToken, root: bobRoot });
  writeFiles(bobVolume.path, { 'weights.bin': 'bob only' });
  await push(platform, 'bob-private', { token: bobToken, root: bobRoot });
  // The hostile app's own volume.
  await volumeOk(platform, ['volume', 'create', 'hostile-models']);
  writeFiles((await volumeJson(platform, 'hostile-models')).path, { 'model.txt': 'original' });
  await push(platform, 'hostile-models');

  await deploy('neighbour', { command: ['python3', '-m', 'http.server', '$(PORT)'] });
  const loop = startLoop(`${platform.url}/api/routes/v1/default/neighbour/`, platform.token, 2);
  try {
    await deploy('hostile', {
      command: ['python3', '-c', HOSTILE_SOURCE],
      resource: { cpu: 1, memory: `${MEMORY_MB} MiB` },
      // The image's working folder is /, so the volume is at /models.
      volumeMounts: [{ name: 'models', mountPath: 'models', readOnly: true }],
      volumes: [{ name: 'models', volume: { volume: 'hostile-models' } }],
    });
    const [neighbour] = (await workersJson(platform, 'neighbour', false)).map((w) => w.id);
    const neighbourAddress = JSON.parse(readFileSync(join(platform.dataDir, 'workers', neighbour as string, 'container.json'), 'utf8')) as { ip: string; port: number };
    const apiPort = new URL(platform.url).port;
    const secrets = ['admin-token', 'state.db', 'secret-keys'].map((name) => join(platform.dataDir, name));
    const query = new URLSearchParams([
      ...[...secrets, join(bobVolume.path, 'weights.bin'), join(platform.dataDir, 'blobs')].map((path) => ['read', path]),
      ['write', '/models/model.txt'],
      ['write', '/etc/passwd'],
      ['connect', `127.0.0.1:${apiPort}`],
      ['connect', `10.201.0.1:${apiPort}`],
      ['connect', `${neighbourAddress.ip}:${neighbourAddress.port}`],
      ['kill', String(process.pid)],
      ['stat', '/etc/shadow'],
      ['fork', '1'],
      ['fill', '1'],
    ]);
    const res = await route('hostile', `/attacks?${query}`);
    assert.equal(res.status, 200);
    const report = (await res.json()) as Record<string, unknown>;

    for (const path of [...secrets, join(bobVolume.path, 'weights.bin'), join(platform.dataDir, 'blobs')]) {
      assert.equal(report[`read ${path}`], 'ENOENT', `${path} must not exist inside the worker: ${String(report[`read ${path}`])}`);
    }
    // The image's own /etc/shadow (Debian's has one), never this machine's.
    const hostShadow = statSync('/etc/shadow');
    assert.notEqual(report['stat /etc/shadow'], `ok: ${hostShadow.dev}:${hostShadow.ino}`);
    assert.equal(report['write /models/model.txt'], 'EROFS');
    assert.equal(report['write /etc/passwd'], 'EROFS');
    assert.equal(report[`connect 127.0.0.1:${apiPort}`], 'ECONNREFUSED', 'loopback is the worker’s own');
    for (const target of [`10.201.0.1:${apiPort}`, `${neighbourAddress.ip}:${neighbourAddress.port}`]) {
      assert.ok(!String(report[`connect ${target}`]).startsWith('ok'), `${target}: ${String(report[`connect ${target}`])}`);
    }
    assert.equal(report[`kill ${process.pid}`], 'ESRCH', 'no process of the host is visible');
    assert.ok((report.processes as number[]).length <= 4, `it sees only its own processes: ${JSON.stringify(report.processes)}`);
    assert.equal(report['env has data dir'], false);
    assert.equal(report.python, `/usr/bin/python3 ok: ${DEBIAN_IMAGE_MARKER.content.trim()}`, 'the python3 that answered is the image’s');
    assert.match(String(report['fork bomb']), /^stopped after \d+ forks: EAGAIN$/);
    assert.ok(Number(/after (\d+)/.exec(String(report['fork bomb']))?.[1]) < 1024);
    assert.match(String(report['fill scratch']), /^stopped after \d+ MiB: ENOSPC$/);
    assert.ok(Number(/after (\d+)/.exec(String(report['fill scratch']))?.[1]) <= MEMORY_MB / 4);

    // Past its memory: killed by the kernel, shown as OOMKilled, replaced.
    const [first] = (await workersJson(platform, 'hostile', false)).map((w) => w.id);
    await fetch(`${platform.url}/api/routes/v1/default/hostile/oom`, { method: 'POST', headers: { authorization: `Bearer ${platform.token}` } }).catch(() => undefined);
    const killed = await waitFor('the OOM-killed worker', async () => (await workersJson(platform, 'hostile')).find((w) => w.id === first && w.status === 'STATUS_ERROR'), 60_000, 250);
    assert.match(killed.statusReason, /^OOMKilled/);
    assert.match(await cliOk(platform, ['worker', 'list', 'hostile', '-a', '-o', 'wide']), /ERROR .*OOMKilled/);
    assert.match(await cliOk(platform, ['app', 'events', 'hostile']), /OOMKilled/);
    await waitDeployed(platform, 'hostile');
    const replacement = (await workersJson(platform, 'hostile', false)).find((w) => w.id !== first);
    assert.ok(replacement, 'a new worker replaced the one memory killed');
    assert.equal((await route('hostile', '/health')).status, 200);
  } finally {
    const report = await loop.stop();
    assert.deepEqual(report.failures, [], 'the neighbour answered every request');
    assert.ok(report.ok > 0);
  }
});

/** How a TCP connection from this machine to `ip:port` ends: `connected`, an error code, or `no answer` after 10 s. */
async function connectOutcome(ip: string, port: number): Promise<string> {
  const socket = connect({ host: ip, port });
  try {
    return await new Promise<string>((resolve) => {
      socket.setTimeout(10_000, () => resolve('no answer'));
      socket.on('connect', () => resolve('connected'));
      socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    });
  } finally {
    socket.destroy();
  }
}

test('a worker gone leaves its address unreachable: what is sent to it fails at once, on this machine', { skip }, async () => {
  const [gone] = (await workersJson(platform, 'neighbour', false)).map((w) => w.id);
  const address = JSON.parse(readFileSync(join(platform.dataDir, 'workers', gone as string, 'container.json'), 'utf8')) as { ip: string; port: number };
  assert.equal(await connectOutcome(address.ip, address.port), 'connected');
  await killWorker(platform.dataDir, gone as string);
  await waitFor('the replacement', async () => (await workersJson(platform, 'neighbour', false)).some((w) => w.id !== gone && w.status === 'STATUS_RUNNING'));
  // Refused while its namespace is still there; once the namespace is gone, the address is no
  // one's: it must not be routed off this machine (to a host that happens to answer, or nowhere).
  const outcome = await waitFor('the namespace removed', async () => {
    const now = await connectOutcome(address.ip, address.port);
    return now !== 'ECONNREFUSED' && now;
  });
  assert.equal(outcome, 'EHOSTUNREACH');
});
