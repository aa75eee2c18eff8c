import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import type { AppView } from '../src/contract/api-views';
import { openSqlite } from '../src/server/store/sqlite/sqlite-driver';
import { SQLITE_MIGRATIONS } from '../src/server/store/sqlite/sqlite-schema';
import { appJson, cliOk, copyExampleApp, deployApp, editFile, waitDeployed, workersJson } from './helpers/app-fixture';
import { platformStore, usePlatform, type TestPlatform } from './helpers/platform';
import { addUser, platformAs } from './helpers/users';
import { waitFor } from './helpers/wait';

// docs/tenancy.md, "Images" and "Routes": two users follow the README's "Several users" each on
// their own, with the same names, and neither gets in the other's way.

const SKOPEO_MISSING = spawnSync('skopeo', ['--version']).error ? 'skopeo is not installed (apt-get install -y skopeo)' : false;

let alice: TestPlatform;
let bob: TestPlatform;
let aliceDir: string;
let bobDir: string;
let aliceBuild: { stdout: string; stderr: string };

const platform = usePlatform({
  setup: async () => {
    alice = platformAs(platform, await addUser(platform, 'alice'));
    bob = platformAs(platform, await addUser(platform, 'bob'));
    aliceDir = copyExampleApp(platform);
    bobDir = copyExampleApp(platform);
    editFile(join(bobDir, 'app.ts'), (text) => text.replace("() => 'hello world'", "() => 'hello from bob'"));
    // Both build get-start:v1 and create get-start in their default namespace, as the README says.
    const built = await alice.cli(['image', 'build'], { cwd: aliceDir });
    assert.equal(built.code, 0, built.stderr);
    aliceBuild = built;
    await cliOk(alice, ['app', 'create'], aliceDir);
    await deployApp(bob, bobDir);
    await waitDeployed(alice, 'get-start');
  },
});

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

test('two users each build get-start:v1 and deploy get-start in default; each route reaches its own', async () => {
  assert.match(aliceBuild.stdout, /^pushed get-start:v1@sha256:[a-f0-9]{64}\n$/);
  assert.match(aliceBuild.stderr, new RegExp(`\\nbuilt get-start:v1 as ${new URL(platform.url).host}/alice/get-start:v1 sha256:`));

  const aliceApp = await appJson(alice, 'get-start');
  const bobApp = await appJson(bob, 'get-start');
  assert.deepEqual([aliceApp.namespace, aliceApp.image, aliceApp.routeName], ['default', 'get-start:v1', 'get-start']);
  assert.deepEqual([bobApp.namespace, bobApp.image, bobApp.routeName], ['default', 'get-start:v1', 'get-start-bob']);
  assert.notEqual(aliceApp.imageDigest, bobApp.imageDigest, 'each runs the image of their own sources');
  assert.equal(bobApp.routeUrl, `${platform.url}/api/apps/v1/routes/get-start-bob/`);

  // `app list` shows the route name to curl; `routeUrl` is the URL itself.
  assert.match(await cliOk(bob, ['app', 'list']), /\nget-start\s+default\s+DEPLOYED\s+1\/1\s+\S+\s+get-start-bob\n/);
  assert.deepEqual(await get(`${aliceApp.routeUrl}hello`, alice.token), { status: 200, text: 'hello world' });
  assert.deepEqual(await get(`${bobApp.routeUrl}hello`, bob.token), { status: 200, text: 'hello from bob' });
  assert.deepEqual(await get(`${platform.url}/api/routes/v1/default/get-start/hello`, bob.token), { status: 200, text: 'hello from bob' });
  // A route name is one app's whoever calls: alice's is not bob's.
  assert.equal((await get(`${aliceApp.routeUrl}hello`, bob.token)).status, 404);

  for (const [user, name] of [[alice, 'alice'], [bob, 'bob']] as const) {
    const tags = await fetch(`${platform.url}/v2/${name}/get-start/tags/list`, { headers: { authorization: `Bearer ${user.token}` } });
    assert.deepEqual(await tags.json(), { name: `${name}/get-start`, tags: ['v1'] });
  }
});

test("bob can neither pull nor push alice's image with skopeo", { skip: SKOPEO_MISSING }, async () => {
  const own = await skopeo(['inspect', '--tls-verify=false', '--creds', 'CREDS', 'docker://REGISTRY/bob/get-start:v1'], bob.token);
  assert.equal(own.code, 0, own.stderr);
  assert.equal((JSON.parse(own.stdout) as { Digest: string }).Digest, (await appJson(bob, 'get-start')).imageDigest);

  const pull = await skopeo(['inspect', '--tls-verify=false', '--creds', 'CREDS', 'docker://REGISTRY/alice/get-start:v1'], bob.token);
  assert.notEqual(pull.code, 0);
  assert.match(pull.stderr, /denied/i);
  const push = await skopeo(
    ['copy', '--src-tls-verify=false', '--src-creds', 'CREDS', '--dest-tls-verify=false', '--dest-creds', 'CREDS', 'docker://REGISTRY/bob/get-start:v1', 'docker://REGISTRY/alice/get-start:v2'],
    bob.token,
  );
  assert.notEqual(push.code, 0);
  // Its first request is a HEAD, whose 403 has no body to say DENIED in.
  assert.match(push.stderr, /denied|403 \(Forbidden\)/i);
  const tags = await fetch(`${platform.url}/v2/alice/get-start/tags/list`, { headers: { authorization: `Bearer ${alice.token}` } });
  assert.deepEqual(await tags.json(), { name: 'alice/get-start', tags: ['v1'] });
});

test("bob cannot name alice's image in an app: every spelling of it is in his own space", async () => {
  await cliOk(bob, ['namespace', 'create', 'dev']);
  const host = new URL(platform.url).host;
  for (const image of ['alice/get-start:v1', `${host}/alice/get-start:v1`]) {
    editFile(join(bobDir, 'image_builder.ts'), (text) => text.replace(/IMAGE = '[^']*'/, `IMAGE = '${image}'`));
    const created = await bob.cli(['app', 'create', '-n', 'dev'], { cwd: bobDir });
    assert.notEqual(created.code, 0, created.stdout);
    assert.equal(created.stderr.trim(), `Error: image '${image}' was not found in the registry (as bob/alice/get-start); build and push it with \`everai image build\``);
  }
  assert.deepEqual(JSON.parse(await cliOk(bob, ['app', 'list', '-n', 'dev', '-o', 'json'])), []);
  editFile(join(bobDir, 'image_builder.ts'), (text) => text.replace(/IMAGE = '[^']*'/, "IMAGE = 'get-start:v1'"));
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
  const [worker] = await workersJson(alice, 'get-start', false);
  await platform.kill();
  asBeforePerUserNames(platform.dataDir);
  await platform.restart();

  const app = await waitDeployed(alice, 'get-start');
  assert.deepEqual(await get(`${app.routeUrl}hello`, alice.token), { status: 200, text: 'hello world' });
  assert.deepEqual((await workersJson(alice, 'get-start', false)).map((w) => w.id), [worker?.id], 'the running worker was adopted');
  const tags = await fetch(`${platform.url}/v2/alice/get-start/tags/list`, { headers: { authorization: `Bearer ${alice.token}` } });
  assert.deepEqual(await tags.json(), { name: 'alice/get-start', tags: ['v1'] });

  // A new worker starts from the image the revision pinned, now in alice's space.
  await cliOk(alice, ['worker', 'scale-up', 'get-start', '--num', '1']);
  await waitFor('two ready workers', async () => (await appJson(alice, 'get-start')).workers.ready === 2, 90_000, 250);
  // The app's get-start:v1 still names the same image: nothing to roll out.
  await cliOk(alice, ['app', 'upgrade', '--image'], aliceDir);
  const after: AppView = await appJson(alice, 'get-start');
  assert.deepEqual([after.revision, after.imageDigest], [app.revision, app.imageDigest]);
});
