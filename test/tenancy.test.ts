import assert from 'node:assert/strict';
import { request } from 'node:http';
import { test } from 'node:test';
import { copyExampleApp, editFile } from './helpers/app-fixture';
import type { CliResult } from './helpers/cli';
import { usePlatform } from './helpers/platform';
import { addUser, cliAs, httpAs } from './helpers/users';
import { writeFiles } from './helpers/volumes';
import { waitFor } from './helpers/wait';
import type { AppView, WorkerView } from '../src/contract/api-views';
import { EXEC_PROTOCOL } from '../src/contract/exec-frames';
import { runningWorkerIds } from './helpers/workers';

// docs/tenancy.md: no user sees, changes or routes to another user's objects; another user's object
// answers exactly like a missing one (404), so not even its name leaks. The registry refuses another
// user's space (403) by its path alone, which leaks nothing either.

let alice: string;
let bob: string;
let aliceApp: string;
let bobApp: string;
let aliceWorker: string;

async function ok(result: Promise<CliResult>): Promise<string> {
  const { code, stdout, stderr } = await result;
  assert.equal(code, 0, `failed (${code}):\n${stderr}${stdout}`);
  return stdout;
}

const asAlice = (args: string[], cwd?: string) => ok(cliAs(platform, alice, args, cwd ? { cwd } : {}));
const aliceWorkers = async () => JSON.parse(await asAlice(['worker', 'list', 'get-start', '-o', 'json'])) as WorkerView[];

const platform = usePlatform({
  setup: async () => {
    alice = await addUser(platform, 'alice');
    bob = await addUser(platform, 'bob');
    // Alice's objects: a namespace, a secret, a configmap, an image, a deployed app with its worker, a volume.
    aliceApp = copyExampleApp(platform);
    bobApp = copyExampleApp(platform);
    await asAlice(['namespace', 'create', 'team']);
    await asAlice(['secret', 'create', 'alice-secret', '--from-literal', 'password=alice-only']);
    await asAlice(['configmap', 'create', 'alice-config', '--from-literal', 'mode=alice']);
    await asAlice(['image', 'build'], aliceApp);
    await asAlice(['app', 'create'], aliceApp);
    await asAlice(['volume', 'create', 'vol-a'], aliceApp);
    const volume = JSON.parse(await asAlice(['volume', 'get', 'vol-a', '-o', 'json'])) as { path: string };
    writeFiles(volume.path, { 'weights.bin': 'alice only' });
    await asAlice(['volume', 'push', 'vol-a']);
    await waitFor('alice app deployed', async () => {
      const apps = JSON.parse(await asAlice(['app', 'list', '-o', 'json'])) as AppView[];
      return apps[0]?.status === 'DEPLOYED' && apps[0].workers.ready === 1;
    }, 90_000, 250);
    aliceWorker = (await aliceWorkers())[0]?.id ?? '';
  },
});

const APP = '/api/apps/v1/namespaces/default/apps/get-start';

async function answer(response: Promise<Response>): Promise<{ status: number; text: string }> {
  const res = await response;
  return { status: res.status, text: await res.text() };
}

/** `worker exec`'s HTTP upgrade (docs/exec.md), as a raw client sends it: the refusal comes before any 101. */
function upgradeAs(token: string, path: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${platform.url}${path}`, {
      headers: { authorization: `Bearer ${token}`, connection: 'Upgrade', upgrade: EXEC_PROTOCOL },
    });
    req.on('response', (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve({ status: res.statusCode ?? 0, text: 'upgraded' });
    });
    req.on('error', reject);
    req.end();
  });
}

interface Row {
  kind: string;
  action: string;
  /** Bob's command line, run in a copy of the app folder. */
  cli?: string[];
  http?: [method: string, path: string, body?: object];
  /** What the raw HTTP request gets, when not 404. */
  status?: number;
}

/** Every kind × action Bob tries on Alice's objects. */
const ROWS: Row[] = [
  { kind: 'app', action: 'get', cli: ['app', 'get', 'get-start'], http: ['GET', APP] },
  { kind: 'app', action: 'create', cli: ['app', 'create', '-n', 'team'], http: ['POST', '/api/apps/v1/namespaces/team/apps', { spec: { name: 'x', image: 'get-start:v1' } }] },
  { kind: 'app', action: 'update', cli: ['app', 'update'], http: ['PUT', APP, { spec: { name: 'get-start', image: 'get-start:v1' } }] },
  { kind: 'app', action: 'upgrade', cli: ['app', 'upgrade', '--image'], http: ['POST', `${APP}:upgrade`, { image: 'get-start:v1' }] },
  { kind: 'app', action: 'pause', cli: ['app', 'pause', 'get-start'], http: ['POST', `${APP}:pause`] },
  { kind: 'app', action: 'rollback', cli: ['app', 'rollback', 'get-start'], http: ['POST', `${APP}:rollback`, {}] },
  { kind: 'app', action: 'events', cli: ['app', 'events', 'get-start'], http: ['GET', `${APP}/events`] },
  { kind: 'app', action: 'queue', cli: ['app', 'queue', 'get-start'], http: ['GET', `${APP}/queue`] },
  { kind: 'app', action: 'logs', cli: ['app', 'logs', 'get-start'], http: ['GET', `${APP}/logs`] },
  { kind: 'app', action: 'delete', cli: ['app', 'delete', 'get-start', '--yes'], http: ['DELETE', APP] },
  { kind: 'worker', action: 'list', cli: ['worker', 'list', 'get-start', '-a'], http: ['GET', `${APP}/workers?all=true`] },
  { kind: 'worker', action: 'exec', cli: ['worker', 'exec', 'WORKER', 'echo', 'hi'], http: ['UPGRADE', '/api/apps/v1/workers/WORKER/exec?command=echo'] },
  { kind: 'worker', action: 'scale-up', cli: ['worker', 'scale-up', 'get-start', '--num', '1'], http: ['POST', `${APP}/workers:scale-up`, { scaleUpWorkersNum: 1 }] },
  { kind: 'worker', action: 'scale-down', cli: ['worker', 'scale-down', 'get-start', 'WORKER'], http: ['POST', `${APP}/workers:scale-down`, { workerIds: ['WORKER'] }] },
  { kind: 'worker', action: 'logs', cli: ['worker', 'logs', 'WORKER'], http: ['GET', '/api/apps/v1/workers/WORKER/logs'] },
  { kind: 'volume', action: 'get', cli: ['volume', 'get', 'alice/vol-a'], http: ['GET', '/api/volumes/v1/volumes/alice%2Fvol-a'] },
  { kind: 'volume', action: 'pull', cli: ['volume', 'pull', 'alice/vol-a'], http: ['GET', '/api/volumes/v1/volumes/alice%2Fvol-a/revisions/000000-000/files'] },
  { kind: 'volume', action: 'publish', cli: ['volume', 'publish', 'alice/vol-a'], http: ['POST', '/api/volumes/v1/volumes/alice%2Fvol-a:publish'] },
  { kind: 'volume', action: 'delete', cli: ['volume', 'delete', 'alice/vol-a', '--cloud'], http: ['DELETE', '/api/volumes/v1/volumes/alice%2Fvol-a'] },
  { kind: 'image', action: 'list', http: ['GET', '/v2/alice/get-start/tags/list'], status: 403 },
  { kind: 'image', action: 'pull', http: ['GET', '/v2/alice/get-start/manifests/v1'], status: 403 },
  { kind: 'image', action: 'push', http: ['POST', '/v2/alice/get-start/blobs/uploads/'], status: 403 },
  ...(['secret', 'configmap'] as const).flatMap((kind): Row[] => {
    const [name, api] = kind === 'secret' ? ['alice-secret', '/api/v1/secrets'] : ['alice-config', '/api/v1/configmaps'];
    return [
      { kind, action: 'get', cli: [kind, 'get', name, '-o', 'json'], http: ['GET', `${api}/${name}?values=true`] },
      { kind, action: 'update', cli: [kind, 'update', name, '--from-literal', 'k=dg=='], http: ['PUT', `${api}/${name}`, { data: { k: 'dg==' } }] },
      { kind, action: 'delete', cli: [kind, 'delete', name], http: ['DELETE', `${api}/${name}`] },
    ];
  }),
  { kind: 'namespace', action: 'get', cli: ['namespace', 'get', 'team'], http: ['GET', '/api/apps/v1/namespaces/team'] },
  { kind: 'namespace', action: 'delete', cli: ['namespace', 'delete', 'team', '--force'], http: ['DELETE', '/api/apps/v1/namespaces/team?force=true'] },
  { kind: 'route', action: 'call', http: ['GET', '/api/routes/v1/default/get-start/hello'] },
  { kind: 'route', action: 'call by route name', http: ['GET', '/api/apps/v1/routes/get-start/hello'] },
];

test("another user's objects are refused as if they did not exist, through the CLI and raw HTTP", async () => {
  const bobHttp = httpAs(platform, bob);
  for (const row of ROWS) {
    const what = `${row.kind} ${row.action}`;
    if (row.cli) {
      const args = row.cli.map((a) => (a === 'WORKER' ? aliceWorker : a));
      const result = await cliAs(platform, bob, args, { cwd: bobApp });
      assert.notEqual(result.code, 0, `${what}: bob's \`everai ${args.join(' ')}\` succeeded:\n${result.stdout}`);
      assert.match(result.stderr, /not found|not known/, `${what}: ${result.stderr}`);
      assert.doesNotMatch(result.stderr, /\n\s+at /, `${what}: a stack trace`);
    }
    if (row.http) {
      const [method, path, body] = row.http;
      const bodyWithWorker = body && (JSON.parse(JSON.stringify(body).replace('WORKER', aliceWorker)) as object);
      const { status, text } =
        method === 'UPGRADE' ? await upgradeAs(bob, path.replace('WORKER', aliceWorker)) : await answer(bobHttp(method, path.replace('WORKER', aliceWorker), bodyWithWorker));
      assert.equal(status, row.status ?? 404, `${what}: ${method} ${path} answered ${status}: ${text}`);
    }
  }

  // Lists show Bob only his own.
  assert.deepEqual(JSON.parse(await ok(cliAs(platform, bob, ['app', 'list', '-A', '-o', 'json']))), []);
  assert.deepEqual(JSON.parse(await ok(cliAs(platform, bob, ['volume', 'list', '-o', 'json']))), []);
  assert.deepEqual(JSON.parse(await ok(cliAs(platform, bob, ['secret', 'list', '-o', 'json']))), []);
  assert.deepEqual(JSON.parse(await ok(cliAs(platform, bob, ['configmap', 'list', '-o', 'json']))), []);
  const bobNamespaces = JSON.parse(await ok(cliAs(platform, bob, ['namespace', 'list', '-o', 'json']))) as { name: string }[];
  assert.deepEqual(bobNamespaces.map((n) => n.name), ['default']);

  // Nothing of Alice's changed: same worker serving, namespace, volume and image still there.
  assert.deepEqual((await aliceWorkers()).map((w) => [w.id, w.detailStatus]), [[aliceWorker, 'DETAIL_STATUS_FREE']]);
  const hello = await httpAs(platform, alice)('GET', '/api/routes/v1/default/get-start/hello');
  assert.equal(await hello.text(), 'hello world');
  assert.match(await asAlice(['namespace', 'list']), /\nteam\s/);
  assert.match(await asAlice(['volume', 'get', 'vol-a']), /revision: 000001-/);
  const secret = JSON.parse(await asAlice(['secret', 'get', 'alice-secret', '-o', 'json'])) as { version: number; data: Record<string, string> };
  assert.deepEqual([secret.version, secret.data], [1, { password: Buffer.from('alice-only').toString('base64') }]);
  const config = JSON.parse(await asAlice(['configmap', 'get', 'alice-config', '-o', 'json'])) as { version: number; data: Record<string, string> };
  assert.deepEqual([config.version, config.data], [1, { mode: 'alice' }]);
  const tags = await httpAs(platform, alice)('GET', '/v2/alice/get-start/tags/list');
  assert.deepEqual(await tags.json(), { name: 'alice/get-start', tags: ['v1'] });
});

test('no token gets 401; a namespace of the same name is each user\'s own', async () => {
  const anonymous = httpAs(platform, undefined);
  for (const path of [APP, '/api/apps/v1/namespaces', '/api/routes/v1/default/get-start/hello', '/api/volumes/v1/volumes']) {
    assert.equal((await anonymous('GET', path)).status, 401, path);
  }
  await ok(cliAs(platform, bob, ['namespace', 'create', 'team']));
  await ok(cliAs(platform, bob, ['namespace', 'delete', 'team']));
  assert.match(await asAlice(['namespace', 'get', 'team']), /^NAME\s+CREATED_AT\n-+\s+-+\nteam\s/);
});

test('a public app answers without a token; back to private, it does not; no worker restarts', async () => {
  const anonymous = httpAs(platform, undefined);
  const route = '/api/routes/v1/default/get-start/hello';
  assert.equal((await anonymous('GET', route)).status, 401);

  const appFile = `${aliceApp}/app.ts`;
  const setRouteAuth = async (routeAuth: 'public' | 'private') => {
    editFile(appFile, (text) =>
      text.replace(/image: Image\.fromRegistry\(IMAGE\),(\n  routeAuth: '\w+',)?/, `image: Image.fromRegistry(IMAGE),\n  routeAuth: '${routeAuth}',`),
    );
    await asAlice(['app', 'update'], aliceApp);
  };

  await setRouteAuth('public');
  const open = await anonymous('GET', route);
  assert.deepEqual([open.status, await open.text()], [200, 'hello world']);
  // Bob may call it too: public means anyone.
  assert.equal(await (await httpAs(platform, bob)('GET', route)).text(), 'hello world');

  await setRouteAuth('private');
  assert.equal((await anonymous('GET', route)).status, 401);
  assert.equal((await httpAs(platform, bob)('GET', route)).status, 404);
  assert.deepEqual((await aliceWorkers()).map((w) => w.id), [aliceWorker], 'the same worker served throughout');
  const app = JSON.parse(await asAlice(['app', 'get', 'get-start', '-o', 'json'])) as AppView;
  assert.deepEqual([app.status, app.revision, app.routeAuth], ['DEPLOYED', 1, 'private']);
});

test('only an admin manages users; a deleted user and a rotated token stop working at once', async () => {
  const denied = await cliAs(platform, bob, ['user', 'create', 'mallory']);
  assert.equal(denied.code, 3);
  assert.equal(denied.stderr.trim(), 'Error: only an admin can create users');
  assert.equal((await httpAs(platform, bob)('GET', '/api/v1/users')).status, 403);
  assert.equal((await platform.cli(['user', 'create', 'Carol'])).stderr.trim().split('\n').length, 1);
  assert.match((await platform.cli(['user', 'create', 'bob'])).stderr, /user 'bob' already exists/);

  const carol = await addUser(platform, 'carol');
  const whoami = (token: string) => httpAs(platform, token)('GET', '/api/v1/whoami');
  assert.equal((await whoami(carol)).status, 200);
  const listed = await ok(platform.cli(['user', 'list']));
  assert.match(listed, /^NAME\s+ADMIN\s+CREATED_AT\n/);
  assert.match(listed, /\ncarol\s+no\s/);

  // Carol's own default/get-start (her image, her text) beside Alice's: each caller reaches their own.
  const carolApp = copyExampleApp(platform);
  editFile(`${carolApp}/image_builder.ts`, (text) => text.replace("'get-start:v1'", "'carol-start:v1'"));
  editFile(`${carolApp}/app.ts`, (text) => text.replace("() => 'hello world'", "() => 'hello from carol'"));
  await ok(cliAs(platform, carol, ['image', 'build'], { cwd: carolApp }));
  await ok(cliAs(platform, carol, ['app', 'create'], { cwd: carolApp }));
  const carolView = await waitFor('carol app deployed', async () => {
    const [app] = JSON.parse(await ok(cliAs(platform, carol, ['app', 'list', '-o', 'json']))) as AppView[];
    return app?.status === 'DEPLOYED' && app.workers.ready === 1 ? app : undefined;
  }, 90_000, 250);
  assert.equal(carolView.routeName, 'get-start-carol', 'the route name get-start is alice\'s');
  const hello = async (token: string, path: string) => answer(httpAs(platform, token)('GET', path));
  assert.deepEqual(await hello(carol, '/api/routes/v1/default/get-start/hello'), { status: 200, text: 'hello from carol' });
  assert.deepEqual(await hello(alice, '/api/routes/v1/default/get-start/hello'), { status: 200, text: 'hello world' });
  assert.deepEqual(await hello(carol, '/api/apps/v1/routes/get-start-carol/hello'), { status: 200, text: 'hello from carol' });
  assert.equal((await runningWorkerIds(platform.dataDir)).length, 2);

  // Deleting carol: her token stops at once, her worker drains and stops, her route and image go.
  await ok(platform.cli(['user', 'delete', 'carol']));
  assert.equal((await whoami(carol)).status, 401, 'the deleted user\'s token still worked');
  assert.doesNotMatch(await ok(platform.cli(['user', 'list'])), /carol/);
  assert.deepEqual(await runningWorkerIds(platform.dataDir), [aliceWorker]);
  assert.equal((await hello(alice, '/api/apps/v1/routes/get-start-carol/hello')).status, 404);
  assert.deepEqual(await hello(alice, '/api/routes/v1/default/get-start/hello'), { status: 200, text: 'hello world' });

  const rotated = await ok(cliAs(platform, bob, ['token', 'rotate']));
  const fresh = rotated.trim().split('\n').at(-1) ?? '';
  assert.equal((await whoami(bob)).status, 401, 'the old token still worked');
  assert.equal((await whoami(fresh)).status, 200);
  bob = fresh;
});

test("knowing the digest of another user's image layer does not let a user read it through their own repository", async () => {
  const manifest = (await (await httpAs(platform, alice)('GET', '/v2/alice/get-start/manifests/v1')).json()) as {
    config: { digest: string };
    layers: { digest: string }[];
  };
  const stolen = [manifest.config.digest, ...manifest.layers.map((l) => l.digest)];
  const bobHttp = httpAs(platform, bob);
  // Bob's own repository: starting an upload claims it.
  assert.equal((await bobHttp('POST', '/v2/bob/img/blobs/uploads/')).status, 202);
  for (const digest of stolen) {
    assert.equal((await bobHttp('GET', `/v2/bob/img/blobs/${digest}`)).status, 404, `read ${digest}`);
    const mount = await bobHttp('POST', `/v2/bob/img/blobs/uploads/?mount=${digest}&from=alice/get-start`);
    assert.equal(mount.status, 202, 'a mount from a repository bob cannot read must start a plain upload instead');
  }
  const forged = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: manifest.config.digest, size: 1 },
    layers: manifest.layers,
  };
  const res = await fetch(`${platform.url}/v2/bob/img/manifests/stolen`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${bob}`, 'content-type': forged.mediaType },
    body: JSON.stringify(forged),
  });
  assert.equal(res.status, 400);
  assert.equal(((await res.json()) as { errors: { code: string }[] }).errors[0]?.code, 'MANIFEST_BLOB_UNKNOWN');
});
