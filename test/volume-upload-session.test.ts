import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { UPLOAD_OFFSET_HEADER, volumeApiPath, type MissingBlobsView, type UploadView } from '../src/contract/volume-view';
import { usePlatform } from './helpers/platform';
import { addUser } from './helpers/users';
import { uploadIdOf } from '../src/client/volumes/volume-push';
import type { PushResult } from '../src/contract/volume-transfer';
import { errorOf, push, sha256, volumeApi, volumeCli, volumeJson, volumeOk } from './helpers/volumes';

// Uploads whose digest comes at their end (docs/volumes.md, PUT .../uploads/ID): the platform
// hashes the bytes as they arrive and stores them only under the digest the client hashed.

const MIB = 1024 * 1024;

let otherToken: string;
const platform = usePlatform({
  setup: async () => {
    otherToken = await addUser(platform, 'other');
  },
});

const uploadId = () => randomBytes(32).toString('hex');

/** PUTs `bytes` as the part of upload `upload` that starts at `offset`, as `token`. */
function putPart(ref: string, upload: string, offset: number, bytes: Buffer, token = platform.token): Promise<Response> {
  return fetch(`${platform.url}${volumeApiPath(ref, `/uploads/${upload}`)}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream', [UPLOAD_OFFSET_HEADER]: String(offset) },
    body: new Uint8Array(bytes),
  });
}

async function heldOf(ref: string, upload: string, token = platform.token): Promise<number | undefined> {
  const res = await volumeApi(platform, token)('POST', ref, '/blobs:missing', { digests: [], uploads: [upload] });
  assert.equal(res.status, 200);
  return ((await res.json()) as MissingBlobsView).uploads[upload];
}

const commitOne = (ref: string, digest: string, size: number, token = platform.token) =>
  volumeApi(platform, token)('POST', ref, '/revisions', { baseRevision: '000000-000', files: [{ path: 'model.bin', digest, size, mode: 0o644 }] });

test('an upload sent in parts, then finished with its digest, is a blob a commit may name', async () => {
  await volumeOk(platform, ['volume', 'create', 'parts']);
  const bytes = randomBytes(3 * MIB);
  const upload = uploadId();
  const first = await putPart('parts', upload, 0, bytes.subarray(0, MIB));
  assert.deepEqual([first.status, await first.json()], [200, { upload, offset: MIB } satisfies UploadView]);
  assert.equal(await heldOf('parts', upload), MIB);
  // A part that does not start at what is held would leave a gap or an overlap.
  assert.equal((await errorOf(await putPart('parts', upload, 2 * MIB, bytes.subarray(2 * MIB)))).status, 409);
  assert.equal((await putPart('parts', upload, MIB, bytes.subarray(MIB))).status, 200);

  const finished = await volumeApi(platform)('POST', 'parts', `/uploads/${upload}:finish`, { digest: sha256(bytes) });
  assert.deepEqual([finished.status, await finished.json()], [201, { digest: sha256(bytes), size: bytes.length }]);
  assert.equal(await heldOf('parts', upload), undefined);
  assert.equal((await commitOne('parts', sha256(bytes), bytes.length)).status, 201);
});

test('a client digest that is not what arrived is refused, and nothing is stored or may be committed', async () => {
  await volumeOk(platform, ['volume', 'create', 'mismatch']);
  const bytes = randomBytes(2 * MIB);
  const upload = uploadId();
  assert.equal((await putPart('mismatch', upload, 0, bytes)).status, 200);
  // The client claims other bytes than those it sent (a bit flipped on the way, or a lie).
  const claimed = sha256(Buffer.concat([bytes.subarray(1), Buffer.from([bytes[0] as number ^ 1])]));
  const refused = await errorOf(await volumeApi(platform)('POST', 'mismatch', `/uploads/${upload}:finish`, { digest: claimed }));
  assert.equal(refused.status, 400);
  assert.match(refused.message, /hashes to sha256:[0-9a-f]{64}, not the declared/);

  // The bytes are gone: neither digest can be finished, committed, or resumed.
  assert.equal(await heldOf('mismatch', upload), undefined);
  assert.equal((await errorOf(await volumeApi(platform)('POST', 'mismatch', `/uploads/${upload}:finish`, { digest: sha256(bytes) }))).status, 404);
  for (const digest of [claimed, sha256(bytes)]) {
    const commit = await errorOf(await commitOne('mismatch', digest, bytes.length));
    assert.deepEqual([commit.status, commit.code], [400, 'EVERAI_BAD_REQUEST']);
  }
  const missing = (await (await volumeApi(platform)('POST', 'mismatch', '/blobs:missing', { digests: [claimed, sha256(bytes)] })).json()) as MissingBlobsView;
  assert.deepEqual(missing.missing.sort(), [claimed, sha256(bytes)].sort());
});

test('a push whose upload the platform holds the start of, from bytes the file no longer has (rewritten at the same size and mtime), sends the file again whole and stores it right', async () => {
  await volumeOk(platform, ['volume', 'create', 'rewritten']);
  const { path, id } = await volumeJson(platform, 'rewritten');
  const bytes = randomBytes(6 * MIB);
  writeFileSync(join(path, 'model.bin'), bytes);
  const { size, mtimeMs } = statSync(join(path, 'model.bin'));
  // What a push killed a MiB into the file's earlier contents left held.
  const upload = uploadIdOf(id, { path: 'model.bin', size, mtimeMs });
  assert.equal((await putPart('rewritten', upload, 0, randomBytes(MIB))).status, 200);

  const pushed = await push(platform, 'rewritten');
  assert.deepEqual([pushed.created, pushed.uploadedFiles, pushed.uploadedBytes], [true, 1, 5 * MIB + 6 * MIB]);
  const root = mkdtempSync(join(tmpdir(), 'everai-rewritten-'));
  try {
    await volumeOk(platform, ['volume', 'pull', 'rewritten'], { root });
    assert.ok(readFileSync(join(root, id, 'model.bin')).equals(bytes));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a push whose upload the platform holds whole (a push broke off before its finish) sends nothing, and says so', async () => {
  await volumeOk(platform, ['volume', 'create', 'held-whole']);
  const { path, id } = await volumeJson(platform, 'held-whole');
  const bytes = randomBytes(6 * MIB);
  writeFileSync(join(path, 'model.bin'), bytes);
  const { size, mtimeMs } = statSync(join(path, 'model.bin'));
  assert.equal((await putPart('held-whole', uploadIdOf(id, { path: 'model.bin', size, mtimeMs }), 0, bytes)).status, 200);

  const run = await volumeCli(platform, ['volume', 'push', 'held-whole', '-o', 'json']);
  assert.equal(run.code, 0, run.stderr);
  const pushed = JSON.parse(run.stdout) as PushResult;
  assert.deepEqual([pushed.created, pushed.uploadedFiles, pushed.uploadedBytes], [true, 0, 0]);
  assert.match(run.stderr, /^not sent model\.bin \(0 B\): the platform has these bytes already$/m);
  assert.equal((await volumeJson(platform, 'held-whole')).files, 1);
});

test("another user's upload id is not theirs to see, add to or finish", async () => {
  await volumeOk(platform, ['volume', 'create', 'mine']);
  const other = volumeApi(platform, otherToken);
  assert.equal((await other('POST', '', '', { name: 'theirs' })).status, 201);
  const bytes = randomBytes(2 * MIB);
  const upload = uploadId();
  assert.equal((await putPart('mine', upload, 0, bytes.subarray(0, MIB))).status, 200);

  // The same id, asked for by the other user in their own volume, names nothing of the admin's.
  assert.equal(await heldOf('theirs', upload, otherToken), undefined);
  assert.equal((await errorOf(await putPart('theirs', upload, MIB, bytes.subarray(MIB), otherToken))).status, 409);
  assert.equal((await errorOf(await other('POST', 'theirs', `/uploads/${upload}:finish`, { digest: sha256(bytes) }))).status, 404);
  // Nor through the admin's volume, which they cannot see.
  assert.equal((await errorOf(await putPart('admin/mine', upload, MIB, bytes.subarray(MIB), otherToken))).status, 404);
  assert.equal((await errorOf(await other('POST', 'admin/mine', `/uploads/${upload}:finish`, { digest: sha256(bytes) }))).status, 404);

  // The admin's upload is whole as it was; the blob is the admin's, not the other user's to commit.
  assert.equal(await heldOf('mine', upload), MIB);
  assert.equal((await putPart('mine', upload, MIB, bytes.subarray(MIB))).status, 200);
  assert.equal((await volumeApi(platform)('POST', 'mine', `/uploads/${upload}:finish`, { digest: sha256(bytes) })).status, 201);
  assert.equal((await errorOf(await commitOne('theirs', sha256(bytes), bytes.length, otherToken))).status, 400);
  assert.equal((await commitOne('mine', sha256(bytes), bytes.length)).status, 201);
});

test('a refusal answered before the body is read reaches the client, each time, and the connection stays usable', async () => {
  await volumeOk(platform, ['volume', 'create', 'refused']);
  const upload = uploadId();
  assert.equal((await putPart('refused', upload, 0, randomBytes(MIB))).status, 200);
  // Each part claims the wrong offset: refused (409) before a byte of its 4 MiB is read. Closing
  // the connection on unread bytes made the kernel reset it, and the client lost the answer.
  for (let i = 0; i < 20; i++) {
    assert.equal((await errorOf(await putPart('refused', upload, 3 * MIB, randomBytes(4 * MIB)))).status, 409);
  }
  assert.equal(await heldOf('refused', upload), MIB);
});

test('an upload id that is not 64 hex digits is refused', async () => {
  await volumeOk(platform, ['volume', 'create', 'bad-id']);
  assert.equal((await errorOf(await putPart('bad-id', 'x'.repeat(64), 0, Buffer.from('abc')))).status, 400);
  assert.equal((await errorOf(await volumeApi(platform)('POST', 'bad-id', '/blobs:missing', { digests: [], uploads: ['../etc'] }))).status, 400);
});

test('an upload the server crashed in the middle of is resumed and finished after its restart: the held bytes are hashed again, not trusted', async () => {
  await volumeOk(platform, ['volume', 'create', 'across-restart']);
  const bytes = randomBytes(3 * MIB);
  const upload = uploadId();
  assert.equal((await putPart('across-restart', upload, 0, bytes.subarray(0, 2 * MIB))).status, 200);
  await platform.kill();
  await platform.restart();

  assert.equal(await heldOf('across-restart', upload), 2 * MIB);
  assert.equal((await putPart('across-restart', upload, 2 * MIB, bytes.subarray(2 * MIB))).status, 200);
  const finished = await volumeApi(platform)('POST', 'across-restart', `/uploads/${upload}:finish`, { digest: sha256(bytes) });
  assert.deepEqual([finished.status, await finished.json()], [201, { digest: sha256(bytes), size: bytes.length }]);
  assert.equal((await commitOne('across-restart', sha256(bytes), bytes.length)).status, 201);
});
