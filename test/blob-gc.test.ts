import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { newId } from '../src/contract/ids';
import { MEDIA_TYPES } from '../src/contract/oci';
import { nowIso } from '../src/contract/time';
import { BlobSweeper } from '../src/server/blob-gc/blob-sweeper';
import { ImageReferences } from '../src/server/blob-gc/image-references';
import { LocalBlobStore } from '../src/server/blobs/local/local-blob-store';
import type { UserRecord } from '../src/server/store/records';
import { SqliteStore } from '../src/server/store/sqlite/sqlite-store';
import { withSpecDefaults } from '../src/server/store/revision-spec-defaults';
import { VolumeService } from '../src/server/volumes/volume-service';
import { sha256 } from './helpers/volumes';
import { capturedLogger } from './helpers/logger';
import { waitFor } from './helpers/wait';

// Blob collection: what nothing references goes after the grace period; nothing else ever does.

const HOUR_MS = 3600_000;
let dir: string;
let store: SqliteStore;
let blobs: LocalBlobStore;
let volumes: VolumeService;
let sweeper: BlobSweeper;
const user: UserRecord = { id: newId(), name: 'owner', tokenHash: 'x', isAdmin: false, createdAt: nowIso() };

async function blob(content: string): Promise<string> {
  return (await blobs.write(Readable.from([Buffer.from(content)]), sha256(content))).digest;
}

/** A blob the user uploads for a volume, as a push does. */
async function upload(content: string): Promise<string> {
  return (await volumes.putBlob(user, 'uploads', sha256(content), { body: Readable.from([Buffer.from(content)]), offset: 0, signal: new AbortController().signal })).digest;
}

async function stored(): Promise<Set<string>> {
  const digests = new Set<string>();
  for await (const { digest } of blobs.list()) digests.add(digest);
  return digests;
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'everai-gc-'));
  store = new SqliteStore(join(dir, 'state.db'));
  blobs = new LocalBlobStore(join(dir, 'blobs'));
  await store.users.create(user);
  volumes = new VolumeService({ store, blobs });
  const images = new ImageReferences(store, blobs);
  sweeper = new BlobSweeper({ blobs, guard: volumes.blobGuard, references: [() => volumes.referencedBlobs(), () => images.digests()], log: capturedLogger().log });
  await volumes.create(user, 'uploads');
});

after(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

test('unreferenced blobs go after the grace period; volume files, file lists and image blobs stay', async () => {
  await volumes.create(user, 'kept');
  const file = await upload('a volume file');
  const commit = await volumes.commit(user, 'kept', { baseRevision: '000000-000', files: [{ path: 'f', digest: file, size: 13, mode: 0o644 }] });
  const [config, layer] = [await blob('{"config": {}}'), await blob('a layer')];
  const manifestBytes = JSON.stringify({ schemaVersion: 2, config: { digest: config }, layers: [{ digest: layer }] });
  const manifest = await blob(manifestBytes);
  await store.images.putManifest({ repository: 'app', digest: manifest, mediaType: MEDIA_TYPES.ociManifest, size: manifestBytes.length, createdAt: nowIso() });
  const orphan = await blob('left by a push that never committed');

  assert.deepEqual(await sweeper.sweep(), [], 'a blob written within the grace period stays');
  assert.deepEqual(await sweeper.sweep(Date.now() + 2 * HOUR_MS), [orphan]);
  const left = await stored();
  for (const digest of [file, config, layer, manifest]) assert.ok(left.has(digest), digest);
  assert.equal(left.size, 5, 'the revision file list is kept too');
  assert.deepEqual((await volumes.fileList(user, 'kept', commit.revision)).files.map((f) => f.digest), [file]);
});

test("a deleted volume's blobs go, unless another volume still uses them", async () => {
  const shared = await upload('in two volumes');
  const only = await upload('in one volume');
  for (const [name, files] of [
    ['doomed', [{ path: 'a', digest: shared, size: 14, mode: 0o644 }, { path: 'b', digest: only, size: 13, mode: 0o644 }]],
    ['survivor', [{ path: 'a', digest: shared, size: 14, mode: 0o644 }]],
  ] as const) {
    await volumes.create(user, name);
    await volumes.commit(user, name, { baseRevision: '000000-000', files: [...files] });
  }
  await volumes.delete(user, 'doomed');
  const deleted = await sweeper.sweep(Date.now() + 2 * HOUR_MS);
  assert.ok(deleted.includes(only));
  assert.ok(!deleted.includes(shared));
  assert.equal(deleted.length, 2, "the blob and the deleted volume's file list");
});

test('a blob a push found present is touched, so collection keeps it for the grace period from then', async () => {
  await volumes.create(user, 'late');
  const hoursAgo = new Date(Date.now() - 2 * HOUR_MS);
  const [found, untouched] = [await upload('found present by a push'), await upload('nobody asked for this one')];
  for (const digest of [found, untouched]) utimesSync(blobs.localPath(digest), hoursAgo, hoursAgo);
  assert.deepEqual((await volumes.missingBlobs(user, 'late', [found, sha256('not there')])).missing, [sha256('not there')]);
  assert.deepEqual(await sweeper.sweep(), [untouched]);
  assert.deepEqual(await sweeper.sweep(Date.now() + 2 * HOUR_MS), [found]);
});

test('a push that finds hundreds of blobs present touches every one, so collection keeps them all', async () => {
  await volumes.create(user, 'many');
  const hoursAgo = new Date(Date.now() - 2 * HOUR_MS);
  const found = await Promise.all(Array.from({ length: 300 }, (_, i) => upload(`present file ${i}`)));
  const untouched = await upload('left alone among many');
  for (const digest of [...found, untouched]) utimesSync(blobs.localPath(digest), hoursAgo, hoursAgo);
  // All of them asked about at once, with one the platform lacks among them.
  const absent = sha256('among many, not there');
  assert.deepEqual((await volumes.missingBlobs(user, 'many', [...found.slice(0, 150), absent, ...found.slice(150)])).missing, [absent]);
  assert.deepEqual(await sweeper.sweep(), [untouched]);
  assert.equal((await volumes.commit(user, 'many', { baseRevision: '000000-000', files: found.map((digest, i) => ({ path: `f${i}`, digest, size: `present file ${i}`.length, mode: 0o644 })) })).created, true);
});

/** What the platform holds of the user's broken-off upload of `digest`, as a push asks for it. */
async function held(digest: string): Promise<number | undefined> {
  return (await volumes.missingBlobs(user, 'uploads', [digest])).held[digest];
}

/** A body that sends `sent`, waits until it is on disk, then breaks off, as a push killed half-way does. */
function brokenBody(digest: string, sent: string): Readable {
  return Readable.from(
    (async function* () {
      yield Buffer.from(sent);
      await waitFor('the bytes sent to be held', async () => (await held(digest)) === sent.length);
      throw new Error('the client went away');
    })(),
  );
}

test('an upload that broke off is kept to resume, and goes when nobody resumed it within the grace period', async () => {
  const whole = 'the first half, then the second half';
  const digest = sha256(whole);
  const put = (body: Readable, offset: number) => volumes.putBlob(user, 'uploads', digest, { body, offset, signal: new AbortController().signal });
  await assert.rejects(put(brokenBody(digest, 'the first half'), 0), /went away/);
  await sweeper.sweep();
  assert.equal(await held(digest), 14, 'kept within the grace period');
  await sweeper.sweep(Date.now() + 2 * HOUR_MS);
  assert.equal(await held(digest), undefined);

  await assert.rejects(put(brokenBody(digest, 'the first half'), 0), /went away/);
  assert.deepEqual(await put(Readable.from([Buffer.from(', then the second half')]), 14), { digest, size: whole.length });
  assert.equal(await held(digest), undefined, 'a resumed upload leaves nothing held');
});

test('a volume an app pins cannot be deleted, so its files are never collected from under the app', async () => {
  const volume = await volumes.create(user, 'pinned');
  const now = nowIso();
  const app = {
    id: newId(), name: 'uses-volume', namespace: 'default', ownerId: user.id, routeName: 'uses-volume', targetRevision: 1, desiredWorkers: 0,
    concurrency: 1, routeAuth: 'private' as const, paused: true, status: 'PAUSED' as const, statusReason: '', createdAt: now, updatedAt: now,
    readyTimeoutMs: 600_000, maxDrainMs: 3_600_000, stableRevision: 1, autoscaler: null, queueTimeoutMs: null, manualScaleAt: null,
  };
  await store.apps.create(app);
  const spec = withSpecDefaults({ imageRef: 'x:v1', imageRepository: 'x', imageDigest: sha256('x'), volumes: [{ name: 'pinned', volumeId: volume.id, revision: volume.revision }] });
  await store.apps.addRevision({ appId: app.id, revision: 1, spec, createdAt: now });
  await assert.rejects(volumes.delete(user, 'pinned'), {
    code: 'EVERAI_CONFLICT',
    message: "volume 'pinned' is in use by 'default/uses-volume': delete those apps, or upgrade them off it, first",
  });
  await store.apps.delete(app.id);
  await volumes.delete(user, 'pinned');
});
