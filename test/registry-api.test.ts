import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { newId, newToken } from '../src/contract/ids';
import { MEDIA_TYPES } from '../src/contract/oci';
import { nowIso } from '../src/contract/time';
import { hashToken } from '../src/server/auth';
import { SqliteStore } from '../src/server/store/sqlite/sqlite-store';
import { usePlatform } from './helpers/platform';

// The OCI distribution API at /v2/ (distribution spec v1.1), spoken by hand over HTTP.

let otherToken: string;

function sha256(bytes: Buffer | string): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

function v2(path: string, init: RequestInit = {}, token: string | null = platform.token): Promise<Response> {
  const headers = { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(init.headers as Record<string, string>) };
  return fetch(`${platform.url}${path}`, { ...init, headers });
}

async function ociError(res: Response): Promise<string | undefined> {
  return ((await res.json()) as { errors: { code: string }[] }).errors[0]?.code;
}

async function pushBlob(repository: string, bytes: string, token = platform.token): Promise<string> {
  const digest = sha256(bytes);
  const res = await v2(`/v2/${repository}/blobs/uploads/?digest=${digest}`, { method: 'POST', body: bytes }, token);
  assert.equal(res.status, 201, await res.text());
  return digest;
}

/** A manifest naming one config and one layer, both pushed first. */
async function pushImage(repository: string, tag: string, token = platform.token): Promise<{ digest: string; body: string }> {
  const config = JSON.stringify({ architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [] } });
  const layer = `layer of ${repository}:${tag}`;
  const manifest = {
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.ociManifest,
    config: { mediaType: MEDIA_TYPES.ociConfig, digest: await pushBlob(repository, config, token), size: config.length },
    layers: [{ mediaType: MEDIA_TYPES.ociLayerGzip, digest: await pushBlob(repository, layer, token), size: layer.length }],
  };
  const body = JSON.stringify(manifest);
  const res = await v2(`/v2/${repository}/manifests/${tag}`, { method: 'PUT', body, headers: { 'content-type': MEDIA_TYPES.ociManifest } }, token);
  assert.equal(res.status, 201, await res.text());
  assert.equal(res.headers.get('docker-content-digest'), sha256(body));
  return { digest: sha256(body), body };
}

const platform = usePlatform({
  setup: async () => {
    // A second, ordinary user, straight into the store: the registry only needs the token to resolve.
    otherToken = newToken();
    const store = new SqliteStore(join(platform.dataDir, 'state.db'));
    await store.users.create({ id: newId(), name: 'other', tokenHash: hashToken(otherToken), isAdmin: false, createdAt: nowIso() });
    await store.close();
  },
});

test('GET /v2/ answers 200 with a token and a Basic challenge without one', async () => {
  const ok = await v2('/v2/');
  assert.equal(ok.status, 200);
  assert.equal(ok.headers.get('docker-distribution-api-version'), 'registry/2.0');
  assert.deepEqual(await ok.json(), {});

  const anonymous = await v2('/v2/', {}, null);
  assert.equal(anonymous.status, 401);
  assert.equal(anonymous.headers.get('www-authenticate'), 'Basic realm="everai"');
  assert.equal(anonymous.headers.get('docker-distribution-api-version'), 'registry/2.0');
  assert.equal(await ociError(anonymous), 'UNAUTHORIZED');

  const basic = await v2('/v2/', { headers: { authorization: `Basic ${Buffer.from(`anyone:${platform.token}`).toString('base64')}` } }, null);
  assert.equal(basic.status, 200);
  const wrong = await v2('/v2/', {}, newToken());
  assert.equal(wrong.status, 401);
});

test('a chunked upload: POST, PATCH in order, PUT with the digest', async () => {
  const start = await v2('/v2/admin/chunks/app/blobs/uploads/', { method: 'POST' });
  assert.equal(start.status, 202);
  const location = start.headers.get('location') as string;
  assert.match(location, /^\/v2\/admin\/chunks\/app\/blobs\/uploads\/[0-9a-f-]{36}$/);

  const first = await v2(location, { method: 'PATCH', body: 'hello ', headers: { 'content-range': '0-5' } });
  assert.equal(first.status, 202);
  assert.equal(first.headers.get('range'), '0-5');
  // Distribution spec: a chunk that does not start where the last one ended gets 416.
  const gap = await v2(location, { method: 'PATCH', body: 'x', headers: { 'content-range': '9-9' } });
  assert.equal(gap.status, 416);
  assert.equal(gap.headers.get('range'), '0-5');
  const second = await v2(location, { method: 'PATCH', body: 'world', headers: { 'content-range': '6-10' } });
  assert.equal(second.headers.get('range'), '0-10');
  const status = await v2(location);
  assert.equal(status.status, 204);
  assert.equal(status.headers.get('range'), '0-10');

  const digest = sha256('hello world!');
  const done = await v2(`${location}?digest=${digest}`, { method: 'PUT', body: '!' });
  assert.equal(done.status, 201);
  assert.equal(done.headers.get('docker-content-digest'), digest);
  assert.equal(done.headers.get('location'), `/v2/admin/chunks/app/blobs/${digest}`);

  const blob = await v2(`/v2/admin/chunks/app/blobs/${digest}`);
  assert.equal(await blob.text(), 'hello world!');
  assert.equal(blob.headers.get('docker-content-digest'), digest);
  const range = await v2(`/v2/admin/chunks/app/blobs/${digest}`, { headers: { range: 'bytes=6-10' } });
  assert.equal(range.status, 206);
  assert.equal(range.headers.get('content-range'), 'bytes 6-10/12');
  assert.equal(await range.text(), 'world');
  const head = await v2(`/v2/admin/chunks/app/blobs/${digest}`, { method: 'HEAD' });
  assert.equal(head.headers.get('content-length'), '12');
  // The session is closed once the blob is in.
  assert.equal((await v2(location)).status, 404);
});

test('chunks closed by a PUT without a body (as `everai image build` sends a layer); a wrong digest there stores nothing', async () => {
  const open = async (): Promise<string> => {
    const start = await v2('/v2/admin/closing/app/blobs/uploads/', { method: 'POST' });
    assert.equal(start.status, 202);
    return start.headers.get('location') as string;
  };
  const location = await open();
  assert.equal((await v2(location, { method: 'PATCH', body: 'one ' })).status, 202);
  assert.equal((await v2(location, { method: 'PATCH', body: 'piece' })).status, 202);
  const digest = sha256('one piece');
  const done = await v2(`${location}?digest=${digest}`, { method: 'PUT' });
  assert.equal(done.status, 201);
  assert.equal(await (await v2(`/v2/admin/closing/app/blobs/${digest}`)).text(), 'one piece');

  const wrong = await open();
  assert.equal((await v2(wrong, { method: 'PATCH', body: 'other bytes' })).status, 202);
  const refused = await v2(`${wrong}?digest=${sha256('not these')}`, { method: 'PUT' });
  assert.equal(refused.status, 400);
  assert.equal(await ociError(refused), 'DIGEST_INVALID');
  assert.equal((await v2(`/v2/admin/closing/app/blobs/${sha256('other bytes')}`, { method: 'HEAD' })).status, 404);
  assert.equal((await v2(wrong)).status, 404);
});

test('an upload given up (DELETE) drops the bytes it held', async () => {
  const partial = join(platform.dataDir, 'blobs', 'tmp', 'partial');
  const held = readdirSync(partial).length;
  const start = await v2('/v2/admin/given-up/app/blobs/uploads/', { method: 'POST' });
  const location = start.headers.get('location') as string;
  assert.equal((await v2(location, { method: 'PATCH', body: 'half a layer' })).status, 202);
  assert.equal(readdirSync(partial).length, held + 1);
  assert.equal((await v2(location, { method: 'DELETE' })).status, 204);
  assert.equal(readdirSync(partial).length, held);
  assert.equal((await v2(location)).status, 404);
});

test('a blob whose bytes do not match its digest is refused and not stored', async () => {
  const wrong = sha256('something else');
  const res = await v2(`/v2/admin/digests/app/blobs/uploads/?digest=${wrong}`, { method: 'POST', body: 'these bytes' });
  assert.equal(res.status, 400);
  assert.equal(await ociError(res), 'DIGEST_INVALID');
  assert.equal((await v2(`/v2/admin/digests/app/blobs/${wrong}`, { method: 'HEAD' })).status, 404);
  assert.equal((await v2(`/v2/admin/digests/app/blobs/${sha256('these bytes')}`, { method: 'HEAD' })).status, 404);
});

test('manifests: put by tag, get by tag and digest, tags list, unknown blobs refused', async () => {
  const { digest, body } = await pushImage('admin/manifests/app', 'v1');
  for (const reference of ['v1', digest]) {
    const res = await v2(`/v2/admin/manifests/app/manifests/${reference}`, { headers: { accept: MEDIA_TYPES.ociManifest } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), MEDIA_TYPES.ociManifest);
    assert.equal(res.headers.get('docker-content-digest'), digest);
    assert.equal(await res.text(), body);
  }
  await pushImage('admin/manifests/app', 'v2');
  await pushImage('admin/manifests/app', 'v3');
  const tags = await v2('/v2/admin/manifests/app/tags/list');
  assert.deepEqual(await tags.json(), { name: 'admin/manifests/app', tags: ['v1', 'v2', 'v3'] });
  const page = await v2('/v2/admin/manifests/app/tags/list?n=2');
  assert.deepEqual(((await page.json()) as { tags: string[] }).tags, ['v1', 'v2']);
  assert.equal(page.headers.get('link'), '</v2/admin/manifests/app/tags/list?n=2&last=v2>; rel="next"');

  assert.equal(await ociError(await v2('/v2/admin/manifests/app/manifests/nope')), 'MANIFEST_UNKNOWN');
  const missing = JSON.stringify({
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.ociManifest,
    config: { mediaType: MEDIA_TYPES.ociConfig, digest: sha256('never pushed'), size: 12 },
    layers: [],
  });
  const refused = await v2('/v2/admin/manifests/app/manifests/broken', { method: 'PUT', body: missing, headers: { 'content-type': MEDIA_TYPES.ociManifest } });
  assert.equal(refused.status, 400);
  assert.equal(await ociError(refused), 'MANIFEST_BLOB_UNKNOWN');
  const garbage = await v2('/v2/admin/manifests/app/manifests/broken', { method: 'PUT', body: '{"schemaVersion":2}', headers: { 'content-type': MEDIA_TYPES.ociManifest } });
  assert.equal(await ociError(garbage), 'MANIFEST_INVALID');
  const byWrongDigest = await v2(`/v2/admin/manifests/app/manifests/${sha256('x')}`, { method: 'PUT', body, headers: { 'content-type': MEDIA_TYPES.ociManifest } });
  assert.equal(await ociError(byWrongDigest), 'DIGEST_INVALID');
});

test("each user reaches only their own space, admins too: elsewhere DENIED, whether the repository exists or not", async () => {
  await pushImage('admin/private/app', 'v1');
  for (const repository of ['admin/private/app', 'admin/never/pushed', 'private/app']) {
    for (const [method, path] of [
      ['GET', `/v2/${repository}/manifests/v1`],
      ['GET', `/v2/${repository}/tags/list`],
      ['POST', `/v2/${repository}/blobs/uploads/`],
    ] as const) {
      const res = await v2(path, { method }, otherToken);
      assert.deepEqual([res.status, await ociError(res)], [403, 'DENIED'], `${method} ${path}`);
    }
  }
  // In their own space, a repository nobody pushed is unknown.
  assert.deepEqual(await ociError(await v2('/v2/other/never/pushed/tags/list', {}, otherToken)), 'NAME_UNKNOWN');

  // The other user's own repository is theirs alone: an admin manages users, not their images.
  const { digest } = await pushImage('other/app', 'v1', otherToken);
  const own = await v2('/v2/other/app/manifests/v1', {}, otherToken);
  assert.deepEqual([own.status, own.headers.get('docker-content-digest')], [200, digest]);
  const asAdmin = await v2('/v2/other/app/manifests/v1');
  assert.deepEqual([asAdmin.status, await ociError(asAdmin)], [403, 'DENIED']);
});

test('names the spec forbids are refused', async () => {
  const res = await v2('/v2/Upper/Case/tags/list');
  assert.equal(res.status, 400);
  assert.equal(await ociError(res), 'NAME_INVALID');
});
