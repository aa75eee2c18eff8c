import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { AppView, WorkerView } from '../src/contract/api-views';
import { openSqlite } from '../src/server/store/sqlite/sqlite-driver';
import { SQLITE_MIGRATIONS } from '../src/server/store/sqlite/sqlite-schema';
import { cliOk, copyExampleApp, deployApp, editFile } from './helpers/app-fixture';
import { platformStore, usePlatform, type TestPlatform } from './helpers/platform';
import { addUser, platformAs } from './helpers/users';
import { waitFor } from './helpers/wait';

// docs/tenancy.md, "Images" and "Routes": the README's "Several users" as a user types it. The
// admin has done the quickstart; alice then builds and deploys the same app under the same names,
// in her default namespace and in dev, and neither gets in the other's way; bob reaches none of it.

const SKOPEO_MISSING = spawnSync('skopeo', ['--version']).error ? 'skopeo is not installed (apt-get install -y skopeo)' : false;

let aliceToken: string;
let bob: TestPlatform;
let aliceDir: string;
/** What each line typed printed. */
const printed: Record<string, { stdout: string; stderr: string }> = {};

/** The CLI as it stands after the last `everai login`, in the app folder: what the README's reader types. */
async function typed(line: string, cwd = aliceDir): Promise<string> {
  const result = await platform.cli(line.split(' ').slice(1), { cwd });
  assert.equal(result.code, 0, `${line} failed:\n${result.stderr}${result.stdout}`);
  printed[line] = result;
  return result.stdout;
}

const platform = usePlatform({
  setup: async () => {
    await deployApp(platform, copyExampleApp(platform));
    aliceDir = copyExampleApp(platform);
    editFile(join(aliceDir, 'app.ts'), (text) => text.replace("() => 'hello world'", "() => 'hello from alice'"));
    aliceToken = (await typed('everai user create alice')).trim().split('\n').at(-1) ?? '';
    bob = platformAs(platform, await addUser(platform, 'bob'));
    await typed(`everai login --token ${aliceToken}`);
    await typed('everai image build');
    await typed('everai app create');
    await typed('everai namespace create dev');
    await typed('everai app create -n dev');
    await bothDeployed(platformAs(platform, aliceToken));
  },
});

/** Alice's two apps, default/get-start and dev/get-start, each DEPLOYED with its worker ready. */
function bothDeployed(alice: TestPlatform): Promise<AppView[]> {
  return waitFor('alice\'s two apps deployed', async () => {
    const apps = JSON.parse(await cliOk(alice, ['app', 'list', '-o', 'json'])) as AppView[];
    return apps.length === 2 && apps.every((a) => a.status === 'DEPLOYED' && a.workers.ready === a.workers.desired) && apps;
  }, 90_000, 250);
}

async function get(url: string, token: string): Promise<{ status: number; text: string }> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, text: await res.text() };
}

function skopeo(args: string[], token: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const host = new URL(platform.url).host;
  const full = ['--insecure-policy', ...args.map((arg) => arg.replace('REGISTRY', host).replace('CREDS', `x:${token}`))];
  return new Promise((resolve) => {
    execFile('skopeo', full, { timeout: 60_000 }, (error, stdout, stderr) => resolve({ code: error ? 1 : 0, stdout, stderr }));
  });
}

test('alice builds get-start:v1 and deploys get-start beside the admin\'s; each route reaches its own app', async () => {
  const host = new URL(platform.url).host;
  assert.match(printed['everai image build']?.stdout ?? '', /^pushed get-start:v1@sha256:[a-f0-9]{64}\n$/);
  assert.match(printed['everai image build']?.stderr ?? '', new RegExp(`\\nbuilt get-start:v1 as ${host}/alice/get-start:v1 sha256:`));

  const apps = JSON.parse(await typed('everai app list -o json')) as AppView[];
  assert.deepEqual(
    apps.map((a) => [a.namespace, a.name, a.image, a.routeName, a.routeUrl]),
    [
      ['default', 'get-start', 'get-start:v1', 'get-start-alice', `${platform.url}/api/apps/v1/routes/get-start-alice/`],
      ['dev', 'get-start', 'get-start:v1', 'get-start-dev', `${platform.url}/api/apps/v1/routes/get-start-dev/`],
    ],
  );
  assert.match(await typed('everai app list'), /\nget-start\s+default\s+DEPLOYED\s+1\/1\s+\S+\s+get-start-alice\n/);
  for (const app of apps) assert.deepEqual(await get(`${app.routeUrl}hello`, aliceToken), { status: 200, text: 'hello from alice' });
  assert.deepEqual(await get(`${platform.url}/api/routes/v1/default/get-start/hello`, aliceToken), { status: 200, text: 'hello from alice' });
  const tags = await fetch(`${platform.url}/v2/alice/get-start/tags/list`, { headers: { authorization: `Bearer ${aliceToken}` } });
  assert.deepEqual(await tags.json(), { name: 'alice/get-start', tags: ['v1'] });

  // The admin logs back in with the token the server keeps in its data folder, and finds their own app.
  const tokenFile = join(platform.dataDir, 'admin-token');
  assert.equal(statSync(tokenFile).mode & 0o777, 0o600);
  assert.match(await typed(`everai login --token ${readFileSync(tokenFile, 'utf8').trim()}`), /^Logged in to \S+ as admin\n$/);
  const admin = (JSON.parse(await typed('everai app list -o json')) as AppView[]).map((a) => [a.namespace, a.routeName]);
  assert.deepEqual(admin, [['default', 'get-start']]);
  assert.deepEqual(await get(`${platform.url}/api/apps/v1/routes/get-start/hello`, platform.token), { status: 200, text: 'hello world' });
  assert.deepEqual(await get(`${platform.url}/api/routes/v1/default/get-start/hello`, platform.token), { status: 200, text: 'hello world' });
  // A route name is one app's whoever calls: alice's is not the admin's.
  assert.equal((await get(`${platform.url}/api/apps/v1/routes/get-start-alice/hello`, platform.token)).status, 404);
});

test("bob can neither pull nor push alice's image with skopeo", { skip: SKOPEO_MISSING }, async () => {
  const inspect = (token: string) => skopeo(['inspect', '--tls-verify=false', '--creds', 'CREDS', 'docker://REGISTRY/alice/get-start:v1'], token);
  const own = await inspect(aliceToken);
  assert.equal(own.code, 0, own.stderr);
  const aliceDigest = (JSON.parse(own.stdout) as { Digest: string }).Digest;

  const pull = await inspect(bob.token);
  assert.notEqual(pull.code, 0);
  assert.match(pull.stderr, /denied/i);
  const layout = join(platform.home, 'alice-layout');
  const copied = await skopeo(['copy', '--src-tls-verify=false', '--src-creds', 'CREDS', 'docker://REGISTRY/alice/get-start:v1', `oci:${layout}:v1`], aliceToken);
  assert.equal(copied.code, 0, copied.stderr);
  const push = await skopeo(['copy', '--dest-tls-verify=false', '--dest-creds', 'CREDS', `oci:${layout}:v1`, 'docker://REGISTRY/alice/get-start:v1'], bob.token);
  assert.notEqual(push.code, 0);
  // Its first request is a HEAD, whose 403 has no body to say DENIED in.
  assert.match(push.stderr, /denied|403 \(Forbidden\)/i);
  assert.equal((JSON.parse((await inspect(aliceToken)).stdout) as { Digest: string }).Digest, aliceDigest);
});

test("bob's app finds no image until he builds his own, and cannot name alice's however spelled", async () => {
  const bobDir = copyExampleApp(platform);
  const create = async () => {
    const { code, stderr } = await bob.cli(['app', 'create'], { cwd: bobDir });
    return [code, stderr.trim()];
  };
  const notFound = (image: string, path: string) => `Error: image '${image}' was not found in the registry (as ${path}); build and push it with \`everai image build\``;
  assert.deepEqual(await create(), [4, notFound('get-start:v1', 'bob/get-start')]);
  for (const image of ['alice/get-start:v1', `${new URL(platform.url).host}/alice/get-start:v1`]) {
    editFile(join(bobDir, 'image_builder.ts'), (text) => text.replace(/IMAGE = '[^']*'/, `IMAGE = '${image}'`));
    assert.deepEqual(await create(), [4, notFound(image, 'bob/alice/get-start')]);
  }
  assert.deepEqual(JSON.parse(await cliOk(bob, ['app', 'list', '-A', '-o', 'json'])), []);
});

/**
 * Alice's repositories back under the global names an install from before per-user names had
 * them, with the revision that pinned one, and the schema version from before the migration.
 */
function asBeforePerUserNames(dataDir: string): void {
  const db = openSqlite(join(dataDir, 'state.db'));
  const unprefixed = "substr(repository, length('alice/') + 1)";
  for (const table of ['image_repositories', 'image_manifests', 'image_tags', 'image_blobs']) {
    db.prepare(`UPDATE ${table} SET repository = ${unprefixed} WHERE repository LIKE 'alice/%'`).run();
  }
  db.prepare(
    `UPDATE app_revisions SET spec = json_set(spec, '$.imageRepository', substr(json_extract(spec, '$.imageRepository'), length('alice/') + 1))
     WHERE json_extract(spec, '$.imageRepository') LIKE 'alice/%'`,
  ).run();
  db.pragma(`user_version = ${SQLITE_MIGRATIONS.length - 1}`);
  db.close();
}

test('an install from before per-user names: its images move into their owner\'s space, and its apps serve on', { skip: platformStore() !== 'sqlite' && 'the data is set back by hand on SQLite' }, async () => {
  const alice = platformAs(platform, aliceToken);
  const workers = async () => (await Promise.all(['default', 'dev'].map((ns) => cliOk(alice, ['worker', 'list', 'get-start', '-n', ns, '-o', 'json'])))).flatMap((out) => (JSON.parse(out) as WorkerView[]).map((w) => w.id));
  const before = await workers();
  await platform.kill();
  asBeforePerUserNames(platform.dataDir);
  await platform.restart();

  const apps = await bothDeployed(alice);
  for (const app of apps) assert.deepEqual(await get(`${app.routeUrl}hello`, aliceToken), { status: 200, text: 'hello from alice' });
  assert.deepEqual(await workers(), before, 'the running workers were adopted');
  const tags = await fetch(`${platform.url}/v2/alice/get-start/tags/list`, { headers: { authorization: `Bearer ${aliceToken}` } });
  assert.deepEqual(await tags.json(), { name: 'alice/get-start', tags: ['v1'] });

  // A new worker starts from the image the revision pinned, now in alice's space.
  const inDefault = async () => (JSON.parse(await cliOk(alice, ['app', 'list', '-n', 'default', '-o', 'json'])) as AppView[])[0];
  const pinned = await inDefault();
  await cliOk(alice, ['worker', 'scale-up', 'get-start', '--num', '1']);
  await waitFor('two ready workers', async () => (await inDefault())?.workers.ready === 2, 90_000, 250);
  // The app's get-start:v1 still names the same image: nothing to roll out.
  await cliOk(alice, ['app', 'upgrade', '--image'], aliceDir);
  const after = await inDefault();
  assert.deepEqual([after?.revision, after?.imageDigest], [pinned?.revision, pinned?.imageDigest]);
});
