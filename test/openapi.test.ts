import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeBlobBatch } from '../src/contract/blob-batch';
import { test } from 'node:test';
import type { AppView, WorkerView } from '../src/contract/api-views';
import { EXEC_PROTOCOL } from '../src/contract/exec-frames';
import { cliOk, copyExampleApp } from './helpers/app-fixture';
import { REPO_ROOT } from './helpers/cli';
import { OpenApiCheck } from './helpers/openapi-check';
import { usePlatform } from './helpers/platform';
import { waitFor } from './helpers/wait';

// `GET /api/openapi.json` (docs/api.md) is an OpenAPI 3.1 document of the whole API, and the
// server keeps to it: every operation is called here for real, its request checked against the
// document before it goes and its answer after it comes; an operation not called fails the test.

let check: OpenApiCheck;
const platform = usePlatform({
  setup: async () => {
    // The image the app runs; the app itself is made through the API below.
    await cliOk(platform, ['image', 'build'], copyExampleApp(platform));
  },
});

const APPS = '/api/apps/v1/namespaces/{ns}/apps';
const APP = `${APPS}/{name}`;
const VOLUME = '/api/volumes/v1/volumes/{ref}';
const app = { ns: 'default', name: 'get-start' };

test('/api/openapi.json is a valid OpenAPI 3.1 document, served without a token', async () => {
  const res = await fetch(`${platform.url}/api/openapi.json`);
  assert.equal(res.status, 200);
  const document = (await res.json()) as Record<string, unknown>;
  assert.match(String(document.openapi), /^3\.1\.\d+$/);
  // The validator checks the document against the OpenAPI 3.1 schema, references included.
  const { Validator } = await import('@seriousme/openapi-schema-validator');
  const result = await new Validator().validate(document);
  assert.ok(result.valid, `not a valid OpenAPI 3.1 document: ${JSON.stringify(result.errors, null, 2)}`);
  check = new OpenApiCheck(document, platform.url, platform.token);

  const ids = check.operations().map((op) => {
    const [method = '', path = ''] = op.split(' ');
    return (document.paths as Record<string, Record<string, { operationId: string }>>)[path]?.[method.toLowerCase()]?.operationId;
  });
  assert.equal(new Set(ids).size, ids.length, 'operation ids are unique');
  // Each {name} of a path is a path parameter of its operations, and nothing else is.
  for (const [path, operations] of Object.entries(document.paths as Record<string, Record<string, { parameters?: { name: string; in: string }[] }>>)) {
    const named = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
    for (const [method, op] of Object.entries(operations)) {
      const declared = (op.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name);
      assert.deepEqual(declared, named, `${method} ${path}: path parameters`);
    }
  }
  // The registry and the apps' routes are other protocols: not in the document (docs/api.md).
  assert.ok(!check.operations().some((op) => / \/v2|\/routes\//.test(op)));
  // docs/api.md lists every route.
  const guide = readFileSync(join(REPO_ROOT, 'docs', 'api.md'), 'utf8');
  assert.deepEqual(
    check.operations().filter((op) => !guide.includes(`| \`${op}\` |`)),
    [],
    'docs/api.md lists every operation of the document',
  );
});

test('the platform routes answer as documented', async () => {
  await check.call('GET', '/api/openapi.json', { token: null });
  await check.call('GET', '/api/v1/version', { token: null });
  await check.call('GET', '/api/v1/whoami');
  assert.equal((await check.call('GET', '/api/v1/whoami', { token: null })).status, 401);
  await check.call('GET', '/api/v1/resources');
});

test('users and tokens answer as documented', async () => {
  const created = await check.call('POST', '/api/v1/users', { body: { name: 'alice' } });
  assert.equal(created.status, 201);
  const { token } = created.json as { token: string };
  assert.equal((await check.call('POST', '/api/v1/users', { body: { name: 'alice' } })).status, 409);
  assert.equal((await check.call('GET', '/api/v1/users', { token })).status, 403, 'only an admin lists users');
  await check.call('GET', '/api/v1/users');
  const rotated = await check.call('POST', '/api/v1/token:rotate', { token });
  assert.notEqual((rotated.json as { token: string }).token, token);
  assert.equal((await check.call('DELETE', '/api/v1/users/{name}', { params: { name: 'alice' } })).status, 200);
});

test('namespaces answer as documented', async () => {
  assert.equal((await check.call('POST', '/api/apps/v1/namespaces', { body: { name: 'team' } })).status, 201);
  assert.equal((await check.call('POST', '/api/apps/v1/namespaces', { body: { name: 'Not A Name' } })).status, 400);
  await check.call('GET', '/api/apps/v1/namespaces');
  await check.call('GET', '/api/apps/v1/namespaces/{name}', { params: { name: 'team' } });
  assert.equal((await check.call('DELETE', '/api/apps/v1/namespaces/{name}', { params: { name: 'team' }, query: { force: 'true' } })).status, 200);
});

test('secrets, configmaps and the secret key answer as documented', async () => {
  for (const [base, data] of [
    ['/api/v1/secrets', { password: Buffer.from('s3cret').toString('base64') }],
    ['/api/v1/configmaps', { mode: 'fast' }],
  ] as const) {
    assert.equal((await check.call('POST', base, { body: { name: 'settings', data } })).status, 201);
    await check.call('GET', base);
    const got = await check.call('GET', `${base}/{name}`, { params: { name: 'settings' }, query: { values: 'true' } });
    assert.deepEqual((got.json as { object: { data: unknown } }).object.data, data);
    const updated = await check.call('PUT', `${base}/{name}`, { params: { name: 'settings' }, body: { data: { extra: 'eA==' }, merge: true } });
    assert.deepEqual((updated.json as { added: string[] }).added, ['extra']);
    assert.equal((await check.call('DELETE', `${base}/{name}`, { params: { name: 'settings' } })).status, 200);
    assert.equal((await check.call('GET', `${base}/{name}`, { params: { name: 'settings' } })).status, 404);
  }
  assert.equal((await check.call('POST', '/api/v1/secret-keys')).status, 201);
});

test('volumes answer as documented: create, upload, commit, list files, download, publish, delete', async () => {
  const ref = { ref: 'weights' };
  assert.equal((await check.call('POST', '/api/volumes/v1/volumes', { body: { name: 'weights' } })).status, 201);
  await check.call('GET', '/api/volumes/v1/volumes');
  await check.call('GET', VOLUME, { params: ref });
  const bytes = Buffer.from('the weights\n');
  const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  const missing = await check.call('POST', `${VOLUME}/blobs:missing`, { params: ref, body: { digests: [digest] } });
  assert.deepEqual((missing.json as { missing: string[] }).missing, [digest]);
  assert.equal((await check.call('PUT', `${VOLUME}/blobs/{digest}`, { params: { ...ref, digest }, raw: { contentType: 'application/octet-stream', bytes } })).status, 201);
  const streamed = Buffer.from('hashed as it was sent\n');
  const upload = createHash('sha256').update('an upload id').digest('hex');
  const part = await check.call('PUT', `${VOLUME}/uploads/{upload}`, { params: { ...ref, upload }, raw: { contentType: 'application/octet-stream', bytes: streamed } });
  assert.deepEqual(part.json, { upload, offset: streamed.length });
  const streamedDigest = `sha256:${createHash('sha256').update(streamed).digest('hex')}`;
  assert.equal((await check.call('POST', `${VOLUME}/uploads/{upload}:finish`, { params: { ...ref, upload }, body: { digest: streamedDigest } })).status, 201);
  const small = Buffer.from('a small file\n');
  const smallDigest = `sha256:${createHash('sha256').update(small).digest('hex')}`;
  const batch = await check.call('POST', `${VOLUME}/blobs:upload`, { params: ref, raw: { contentType: 'application/octet-stream', bytes: Buffer.concat(encodeBlobBatch([{ digest: smallDigest, bytes: small }])) } });
  assert.deepEqual(batch.json, { stored: 1 });
  const files = [{ path: 'models/model.txt', digest, size: bytes.length, mode: 0o644 }];
  const commit = await check.call('POST', `${VOLUME}/revisions`, { params: ref, body: { baseRevision: '000000-000', files } });
  assert.equal(commit.status, 201);
  const { revision } = commit.json as { revision: string };
  assert.equal((await check.call('POST', `${VOLUME}/revisions`, { params: ref, body: { baseRevision: revision, files } })).status, 200, 'the same files: no revision');
  const list = await check.call('GET', `${VOLUME}/revisions/{revision}/files`, { params: { ...ref, revision } });
  assert.deepEqual((list.json as { files: unknown[] }).files, files);
  const file = await check.call('GET', `${VOLUME}/revisions/{revision}/files/{path}`, { params: { ...ref, revision, path: 'models/model.txt' } });
  assert.equal(file.text, bytes.toString());
  const downloaded = await check.call('POST', `${VOLUME}/revisions/{revision}/files:download`, { params: { ...ref, revision }, body: { paths: ['models/model.txt'] } });
  assert.equal(downloaded.text, `${digest} ${bytes.length}\n${bytes.toString()}`);
  assert.equal((await check.call('POST', `${VOLUME}/revisions/{revision}/files:download`, { params: { ...ref, revision }, body: { paths: ['nothing'] } })).status, 404);
  await check.call('POST', `${VOLUME}:publish`, { params: ref });
  assert.equal((await check.call('DELETE', VOLUME, { params: ref })).status, 200);
});

/** Polls the app through the API until every worker it wants runs its target revision. */
async function waitDeployed(): Promise<AppView> {
  return waitFor(
    'the app deployed',
    async () => {
      const { app: view } = (await check.call('GET', APP, { params: app })).json as { app: AppView };
      return view.status === 'DEPLOYED' && view.workers.ready === view.workers.desired && view.servingRevisions.length === 1 && view;
    },
    120_000,
    250,
  );
}

test('apps and their workers answer as documented, through a deploy, a rollout, a rollback, scaling, logs and exec', async () => {
  const spec = { name: app.name, image: 'get-start:v1' };
  const created = await check.call('POST', APPS, { params: { ns: app.ns }, body: { spec } });
  assert.equal(created.status, 201, created.text);
  assert.equal((await check.call('POST', APPS, { params: { ns: app.ns }, body: { spec: { name: app.name } }, invalid: true })).status, 400, 'no image');
  await waitDeployed();

  await check.call('GET', '/api/apps/v1/apps');
  await check.call('GET', APPS, { params: { ns: app.ns } });
  await check.call('GET', `${APP}/revisions`, { params: app });
  await check.call('GET', `${APP}/events`, { params: app, query: { limit: '10' } });
  await check.call('GET', `${APP}/queue`, { params: app });
  const { workers } = (await check.call('GET', `${APP}/workers`, { params: app, query: { all: 'true', recentDays: '1' } })).json as { workers: WorkerView[] };
  const worker = workers[0]?.id ?? assert.fail('no worker');

  await check.call('GET', '/api/apps/v1/workers/{id}/logs', { params: { id: worker }, query: { timestamps: 'true', since: '2020-01-01T00:00:00Z' } });
  await check.call('GET', `${APP}/logs`, { params: app });
  await check.call('GET', `${APP}/metrics`, { params: app });
  assert.equal(await check.upgrade('/api/apps/v1/workers/{id}/exec', { params: { id: worker }, query: { command: ['node', '-e', '1'] }, protocol: EXEC_PROTOCOL }), 101);
  assert.equal((await check.call('GET', '/api/apps/v1/workers/{id}/exec', { params: { id: worker }, query: { command: ['true'] } })).status, 400, 'no Upgrade');

  // A new revision (another environment), then back to the first.
  assert.equal((await check.call('PUT', APP, { params: app, body: { spec: { ...spec, env: { GREETING: 'hi' } } } })).status, 200);
  await waitDeployed();
  await check.call('POST', `${APP}:upgrade`, { params: app, body: {} });
  await waitDeployed();
  // A rollback is a new revision with the old one's contents.
  assert.equal((await check.call('POST', `${APP}:rollback`, { params: app, body: { to: 1 } })).status, 200);
  await waitDeployed();

  const up = await check.call('POST', `${APP}/workers:scale-up`, { params: app, body: { scaleUpWorkersNum: 1 } });
  const started = (up.json as { workerIds: string[] }).workerIds;
  await waitDeployed();
  await check.call('POST', `${APP}/workers:scale-down`, { params: app, body: { workerIds: started } });

  await check.call('POST', `${APP}:pause`, { params: app });
  await check.call('POST', `${APP}:resume`, { params: app });
  assert.equal((await check.call('DELETE', APP, { params: app })).status, 200);
  assert.equal((await check.call('GET', APP, { params: app })).status, 404);
});

test('every operation of the document was called', () => {
  const missed = check.operations().filter((op) => !check.called.has(op));
  assert.deepEqual(missed, [], 'each operation needs a call in this file');
});

test('every operation the document says needs a token refuses a request without one, and only those', async () => {
  const paths = check.document.paths as Record<string, Record<string, { security?: unknown[] }>>;
  for (const [path, operations] of Object.entries(paths)) {
    for (const [method, op] of Object.entries(operations)) {
      const params = Object.fromEntries([...path.matchAll(/\{(\w+)\}/g)].map((m) => [m[1] as string, 'x']));
      const { status } = await check.call(method.toUpperCase(), path, { params, token: null });
      const open = op.security?.length === 0;
      assert.equal(status === 401, !open, `${method.toUpperCase()} ${path} without a token: ${status}`);
    }
  }
});
