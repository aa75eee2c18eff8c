import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { usePlatform } from './helpers/platform';
import { errorOf, push, readTree, sha256, volumeApi, volumeFails, volumeJson, volumeOk, writeFiles, type As } from './helpers/volumes';
import { addUser } from './helpers/users';

// docs/tenancy.md: nobody sees another user's volume; a published one is readable by all,
// writable by none but its owner.

let work: string;
let other: As & { token: string };

const platform = usePlatform({
  setup: async () => {
    work = mkdtempSync(join(tmpdir(), 'everai-access-'));
    other = { token: await addUser(platform, 'other'), root: join(work, 'other-volumes') };
  },
});

after(async () => {
  rmSync(work, { recursive: true, force: true });
});

test("another user's volume answers as if it did not exist", async () => {
  await volumeOk(platform, ['volume', 'create', 'private-vol']);
  const { path } = await volumeJson(platform, 'private-vol');
  writeFiles(path, { 'secret.bin': 'admin only' });
  const { revision } = await push(platform, 'private-vol');

  for (const ref of ['private-vol', 'admin/private-vol']) {
    assert.equal(await volumeFails(platform, ['volume', 'get', ref], other), `Error: volume '${ref}' not found`);
  }
  const asOther = volumeApi(platform, other.token);
  const routes: [string, string, (object | string)?][] = [
    ['GET', `/revisions/${revision}/files`],
    ['GET', `/revisions/${revision}/files/secret.bin`],
    ['POST', `/revisions/${revision}/files:download`, { paths: ['secret.bin'] }],
    ['POST', '/blobs:missing', { digests: [sha256('admin only')] }],
    ['POST', '/blobs:upload', `${sha256('mine')} 4\nmine`],
    ['POST', '/revisions', { baseRevision: revision, files: [] }],
    ['DELETE', ''],
  ];
  for (const [method, suffix, body] of routes) {
    const error = await errorOf(await asOther(method, 'admin/private-vol', suffix, body));
    assert.deepEqual([error.status, error.message], [404, "volume 'admin/private-vol' not found"], `${method} ${suffix}`);
  }
  // Nor through the registry: blobs are only read through a volume the caller may read (and
  // admin/... is not the other user's space of the registry anyway).
  const registry = await fetch(`${platform.url}/v2/admin/private-vol/blobs/${sha256('admin only')}`, { headers: { authorization: `Bearer ${other.token}` } });
  assert.equal(registry.status, 403);
  const own = await fetch(`${platform.url}/v2/other/private-vol/blobs/${sha256('admin only')}`, { headers: { authorization: `Bearer ${other.token}` } });
  assert.equal(own.status, 404);
  assert.deepEqual(JSON.parse(await volumeOk(platform, ['volume', 'list', '-o', 'json'], other)), []);

  // The other user's own volume of the same name is theirs, and separate.
  await volumeOk(platform, ['volume', 'create', 'private-vol'], other);
  assert.equal((await volumeJson(platform, 'private-vol', other)).revision, '000000-000');
});

test('a published volume is readable by every user as OWNER/NAME, and writable by none of them', async () => {
  await volumeOk(platform, ['volume', 'create', 'shared-model']);
  const { path, id } = await volumeJson(platform, 'shared-model');
  writeFiles(path, { 'model/weights.bin': 'shared weights', 'README': 'read me' });
  const { revision } = await push(platform, 'shared-model');
  assert.equal(await volumeOk(platform, ['volume', 'publish', 'shared-model']), "Volume 'shared-model' is published: every user can pull it as admin/shared-model\n");
  assert.equal((await volumeJson(platform, 'shared-model')).status, 'Public');

  const seen = await volumeJson(platform, 'admin/shared-model', other);
  assert.deepEqual([seen.id, seen.revision, seen.owner, seen.status], [id, revision, 'admin', 'Public']);
  await volumeOk(platform, ['volume', 'pull', 'admin/shared-model'], other);
  assert.deepEqual(readTree(join(other.root as string, id)), readTree(path));
  assert.match(await volumeOk(platform, ['volume', 'tree', 'admin/shared-model'], other), /└── weights\.bin \(14 B\)/);
  // Published is not listed as theirs.
  assert.deepEqual((JSON.parse(await volumeOk(platform, ['volume', 'list', '-o', 'json'], other)) as { name: string }[]).map((v) => v.name), ['private-vol']);

  writeFiles(join(other.root as string, id), { 'model/weights.bin': 'tampered' });
  const readOnly = "Error: volume 'admin/shared-model' belongs to another user: you may read it, not change it";
  assert.equal(await volumeFails(platform, ['volume', 'push', 'admin/shared-model'], other), readOnly);
  assert.equal(await volumeFails(platform, ['volume', 'publish', 'admin/shared-model'], other), readOnly);
  assert.equal(await volumeFails(platform, ['volume', 'delete', 'admin/shared-model', '--cloud'], other), readOnly);
  const asOther = volumeApi(platform, other.token);
  const commit = await errorOf(await asOther('POST', 'admin/shared-model', '/revisions', { baseRevision: revision, files: [] }));
  assert.deepEqual([commit.status, commit.code], [403, 'EVERAI_FORBIDDEN']);
  const upload = await errorOf(await asOther('PUT', 'admin/shared-model', `/blobs/${sha256('tampered')}`, 'tampered'));
  assert.equal(upload.status, 403);
  assert.equal((await volumeJson(platform, 'shared-model')).revision, revision);
});

test("knowing a blob's digest does not let another user read it or learn that it exists", async () => {
  await volumeOk(platform, ['volume', 'create', 'holder']);
  const { path } = await volumeJson(platform, 'holder');
  writeFiles(path, { 'key.pem': 'the private key of admin' });
  await push(platform, 'holder');
  const digest = sha256('the private key of admin');

  await volumeOk(platform, ['volume', 'create', 'thief'], other);
  const asOther = volumeApi(platform, other.token);
  const missing = (await (await asOther('POST', 'thief', '/blobs:missing', { digests: [digest] })).json()) as { missing: string[] };
  assert.deepEqual(missing.missing, [digest], 'answered as if the platform lacked it');
  const commit = await errorOf(await asOther('POST', 'thief', '/revisions', { baseRevision: '000000-000', files: [{ path: 'stolen', digest, size: 24, mode: 0o644 }] }));
  assert.deepEqual([commit.status, commit.message], [400, `blob ${digest} of "stolen" was never uploaded: upload it first (PUT .../blobs/${digest})`]);
  assert.equal((await volumeJson(platform, 'thief', other)).revision, '000000-000');

  // Whoever holds the bytes may upload them and use them: that proves nothing new to them.
  assert.equal((await asOther('PUT', 'thief', `/blobs/${digest}`, 'the private key of admin')).status, 201);
  const own = await asOther('POST', 'thief', '/revisions', { baseRevision: '000000-000', files: [{ path: 'mine', digest, size: 24, mode: 0o644 }] });
  assert.equal(own.status, 201);
});
