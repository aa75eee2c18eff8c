import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SqliteStore } from '../src/server/store/sqlite/sqlite-store';
import { appJson, cliOk, copyExampleApp, editFile, waitDeployed, workersJson } from './helpers/app-fixture';
import { EVERAI_BIN } from './helpers/cli';
import { startLoop } from './helpers/load';
import { usePlatform } from './helpers/platform';
import { waitFor } from './helpers/wait';

// examples/show-config reads a secret and a configmap through `context`: deployed, updated hot,
// run locally; and the secret's plain value is nowhere on disk or in a log.

const SECRET = 'show-config-secret';
const CONFIGMAP = 'show-config-configmap';
// Distinctive, so that finding it anywhere means it leaked.
const FIRST = `first-${randomBytes(12).toString('hex')}`;
const SECOND = `second-${randomBytes(12).toString('hex')}`;

let dir: string;
const platform = usePlatform({
  setup: async () => {
    dir = copyExampleApp(platform, 'show-config');
    // Room for the looping clients on the one worker (the default is 1).
    editFile(join(dir, 'app.ts'), (text) => text.replace('image: Image.fromRegistry(IMAGE),', 'image: Image.fromRegistry(IMAGE),\n  concurrency: 8,'));
  },
});

const route = (path: string) => `${platform.url}/api/apps/v1/routes/show-config${path}`;

async function get(path: string): Promise<string> {
  const res = await fetch(route(path), { headers: { authorization: `Bearer ${platform.token}` } });
  const text = await res.text();
  assert.equal(res.status, 200, `${path}: ${text}`);
  return text;
}

async function fails(args: string[], cwd?: string): Promise<{ code: number; stderr: string }> {
  const result = await platform.cli(args, cwd ? { cwd } : {});
  assert.notEqual(result.code, 0, `everai ${args.join(' ')} should have failed:\n${result.stdout}`);
  return { code: result.code, stderr: result.stderr.trim() };
}

/** Every file under `root`, as bytes (the SQLite file and its WAL, blobs, worker logs, key files). */
function everyFile(root: string): { path: string; bytes: Buffer }[] {
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
    .map((path) => ({ path, bytes: readFileSync(path) }));
}

test('a missing secret stops app create, naming it; nothing is created', async () => {
  await cliOk(platform, ['image', 'build'], dir);
  assert.deepEqual(await fails(['app', 'create'], dir), { code: 4, stderr: `Error: secret '${SECRET}' not found` });
  await cliOk(platform, ['secret', 'create', SECRET, '--from-literal', `password=${FIRST}`]);
  assert.deepEqual(await fails(['app', 'create'], dir), { code: 4, stderr: `Error: configmap '${CONFIGMAP}' not found` });
  assert.equal(await appJson(platform, 'show-config'), undefined);
});

test('the worker reads both through context; app update with nothing changed restarts nothing', async () => {
  await cliOk(platform, ['configmap', 'create', CONFIGMAP, '--from-literal', 'greeting=hello']);
  await cliOk(platform, ['app', 'create'], dir);
  await waitDeployed(platform, 'show-config');
  assert.equal(await get('/secret/password'), `${FIRST}\n`);
  assert.equal(await get('/configmap/greeting'), 'hello\n');

  const [worker] = await workersJson(platform, 'show-config', false);
  assert.match(await cliOk(platform, ['app', 'update'], dir), /unchanged at revision 1: nothing to roll out/);
  assert.deepEqual((await workersJson(platform, 'show-config', false)).map((w) => w.id), [worker?.id]);

  const inUse = await fails(['secret', 'delete', SECRET]);
  assert.equal(inUse.code, 5);
  assert.equal(inUse.stderr, `Error: secret '${SECRET}' is in use by 'default/show-config': delete those apps, or update them off it, first`);
});

test('secret update + app update rolls the new value out hot, with no failed request', async () => {
  const loop = startLoop(route('/secret/password'), platform.token, 4);
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.equal(
    await cliOk(platform, ['secret', 'update', SECRET, '--from-literal', `password=${SECOND}`]),
    `Secret '${SECRET}' updated to version 2, 1 item: changed password\nApps that pin an earlier version (default/show-config) get version 2 with \`everai app update\`.\n`,
  );
  // A new version alone changes nothing that runs.
  assert.equal(await get('/secret/password'), `${FIRST}\n`);
  assert.match(await cliOk(platform, ['app', 'update'], dir), /rolling out revision 2 .* hot, replacing revision 1/);
  await waitFor('the new value served', async () => (await get('/secret/password')) === `${SECOND}\n`, 90_000, 250);
  const app = await waitDeployed(platform, 'show-config');
  const report = await loop.stop();
  assert.deepEqual(report.failures, [], 'no request may fail during the rollout');
  assert.deepEqual([...report.bodies].sort(), [`${FIRST}\n`, `${SECOND}\n`]);
  assert.equal(app.revision, 2);
  const events = await cliOk(platform, ['app', 'events', 'show-config']);
  assert.match(events, new RegExp(`Rollout of revision 2 started by update \\(image show-config:v1 = sha256:\\w+, secret ${SECRET} v2, configmap ${CONFIGMAP} v1\\)`));
});

test("the secret's plain value is nowhere in the data folder or a log; its ciphertext is", async () => {
  const store = new SqliteStore(join(platform.dataDir, 'state.db'));
  let sealed: string[];
  try {
    const admin = await store.users.byName('admin');
    sealed = await Promise.all([1, 2].map(async (version) => (await store.keyValues.get(admin?.id ?? '', 'Secret', SECRET, version))?.data ?? ''));
  } finally {
    await store.close();
  }
  const files = everyFile(platform.home);
  assert.ok(files.some((f) => f.path.endsWith('output.log')), 'worker logs are among the files searched');
  const database = Buffer.concat(files.filter((f) => /state\.db(-wal)?$/.test(f.path)).map((f) => f.bytes)).toString('latin1');
  for (const ciphertext of sealed) assert.ok(ciphertext.length > 40 && database.includes(ciphertext), 'the ciphertext is in the database');
  for (const plain of [FIRST, SECOND]) {
    for (const form of [plain, Buffer.from(plain).toString('base64')]) {
      assert.deepEqual(files.filter((f) => f.bytes.includes(form)).map((f) => f.path), [], `'${form}' found on disk`);
      assert.ok(!platform.log().includes(form), `'${form}' in the server's output`);
    }
  }
});

test('after secret rotate-key the old key file is gone and values still reach new workers', async () => {
  const keyDir = join(platform.dataDir, 'secret-keys');
  const [oldKey] = readdirSync(keyDir);
  assert.match(await cliOk(platform, ['secret', 'rotate-key']), /^Secret key rotated to \S+: 2 secret version\(s\) encrypted again; removed old key \S+\n$/);
  const keys = readdirSync(keyDir);
  assert.equal(keys.length, 1);
  assert.notEqual(keys[0], oldKey);

  const json = JSON.parse(await cliOk(platform, ['secret', 'get', SECRET, '-o', 'json'])) as { data: { password: string } };
  assert.equal(Buffer.from(json.data.password, 'base64').toString(), SECOND);
  // A configmap change rolls out a new worker, which reads the secret sealed with the new key.
  await cliOk(platform, ['cm', 'update', CONFIGMAP, '--from-literal', 'greeting=hi']);
  assert.match(await cliOk(platform, ['app', 'update'], dir), /rolling out revision 3/);
  await waitFor('the new configmap served', async () => (await get('/configmap/greeting')) === 'hi\n', 90_000, 250);
  assert.equal(await get('/secret/password'), `${SECOND}\n`);
});

test('app run fetches the requested secret and configmap with the user token', async () => {
  const child = spawn(process.execPath, [EVERAI_BIN, 'app', 'run', '--port', '0'], {
    cwd: dir,
    env: { ...process.env, ...platform.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = once(child, 'exit');
  try {
    const url = await waitFor('app run serving', async () => /serving app show-config at (\S+)/.exec(output)?.[1], 30_000, 50);
    assert.equal(await (await fetch(`${url}/secret/password`)).text(), `${SECOND}\n`);
    assert.equal(await (await fetch(`${url}/configmap/greeting`)).text(), 'hi\n');
    child.kill('SIGINT');
    await exited;
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  assert.ok(!output.includes(SECOND));
});
