import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { AppRecord, UserRecord } from '../src/server/store/records';
import { withSpecDefaults } from '../src/server/store/revision-spec-defaults';
import type { Store, StoreHandle } from '../src/server/store/store';
import { EveraiError } from '../src/contract/errors';
import { openStore } from '../src/server/store/open-store';
import { createTestDatabase, PG_SKIP } from './helpers/postgres';
import { addUser, app, NOW, secret, user, volume, worker } from './helpers/store-records';

// One contract, every store: the same cases run on SQLite (a temp file) and on PostgreSQL (a
// database of their own on EVERAI_TEST_PG_URL), each case on a fresh, empty store.

interface Target {
  name: string;
  skip: string | false;
  open(): Promise<{ store: Store; dispose(): Promise<void> }>;
}

const TARGETS: Target[] = [
  {
    name: 'SQLite',
    skip: false,
    open: async () => {
      const dir = mkdtempSync(join(tmpdir(), 'everai-store-'));
      const store = await openStore(undefined, dir);
      return { store, dispose: async () => (await store.close(), rmSync(dir, { recursive: true, force: true })) };
    },
  },
  {
    name: 'PostgreSQL',
    skip: PG_SKIP,
    open: async () => {
      const database = await createTestDatabase();
      const store = await openStore(database.url, '/nonexistent');
      return { store, dispose: async () => (await store.close(), await database.drop()) };
    },
  },
];

async function rejectsConflict(promise: Promise<unknown>): Promise<void> {
  await assert.rejects(promise, (error: { code?: string }) => error.code === 'EVERAI_CONFLICT');
}

/** Runs `attempts` at once; exactly one must land, and every other must be EVERAI_CONFLICT. */
async function oneWins(attempts: (() => Promise<unknown>)[]): Promise<void> {
  const outcomes = await Promise.allSettled(attempts.map((attempt) => attempt()));
  assert.equal(outcomes.filter((o) => o.status === 'fulfilled').length, 1, 'exactly one create lands');
  for (const outcome of outcomes) {
    if (outcome.status === 'rejected') assert.equal((outcome.reason as { code?: string }).code, 'EVERAI_CONFLICT', String(outcome.reason));
  }
}

type Case = (store: Store) => Promise<void>;

const CASES: Record<string, Case> = {
  'users: create, look up, count, list, new token, delete': async (store) => {
    const alice = await addUser(store, 'alice');
    const bob = await addUser(store, 'bob');
    assert.deepEqual(await store.users.get(alice.id), alice);
    assert.deepEqual(await store.users.byName('bob'), bob);
    assert.deepEqual(await store.users.byTokenHash(alice.tokenHash), alice);
    assert.equal(await store.users.get('nobody'), undefined);
    assert.equal(await store.users.count(), 2);
    assert.deepEqual((await store.users.list()).map((u) => u.name), ['alice', 'bob']);
    await store.users.setTokenHash(alice.id, 'new-hash');
    assert.equal((await store.users.byTokenHash('new-hash'))?.id, alice.id);
    assert.equal(await store.users.byTokenHash(alice.tokenHash), undefined);
    await store.users.delete(bob.id);
    assert.equal(await store.users.get(bob.id), undefined);
    assert.equal(await store.users.count(), 1);
    await rejectsConflict(store.users.create(user('alice')));
  },

  'namespaces: create, get, list, delete; a name is unique per owner only': async (store) => {
    const alice = await addUser(store, 'alice');
    const bob = await addUser(store, 'bob');
    await store.namespaces.create({ ownerId: alice.id, name: 'dev', createdAt: NOW });
    await store.namespaces.create({ ownerId: bob.id, name: 'dev', createdAt: NOW });
    assert.deepEqual(await store.namespaces.get(alice.id, 'dev'), { ownerId: alice.id, name: 'dev', createdAt: NOW });
    assert.deepEqual((await store.namespaces.list(alice.id)).map((n) => n.name), ['default', 'dev']);
    await rejectsConflict(store.namespaces.create({ ownerId: alice.id, name: 'dev', createdAt: NOW }));
    await store.namespaces.delete(alice.id, 'dev');
    assert.equal(await store.namespaces.get(alice.id, 'dev'), undefined);
    assert.ok(await store.namespaces.get(bob.id, 'dev'));
  },

  'apps: create, get by id, name and route, list by filter, update, revisions': async (store) => {
    const alice = await addUser(store, 'alice');
    const bob = await addUser(store, 'bob');
    const first = { ...app(alice, 'one'), autoscaler: { kind: 'free-worker', args: { min: 1 } } as unknown as AppRecord['autoscaler'], queueTimeoutMs: 5000 };
    const second = { ...app(alice, 'two', 'dev'), createdAt: '2026-01-02T03:04:06.000Z', updatedAt: '2026-01-02T03:04:06.000Z' };
    const other = app(bob, 'one');
    for (const record of [first, second, other]) await store.apps.create(record);
    assert.deepEqual(await store.apps.get(first.id), first);
    assert.deepEqual(await store.apps.byName(alice.id, 'dev', 'two'), second);
    assert.deepEqual(await store.apps.byRouteName(other.routeName), other);
    assert.deepEqual((await store.apps.list()).map((a) => a.id).sort(), [first.id, second.id, other.id].sort());
    assert.deepEqual((await store.apps.list({ ownerId: alice.id })).map((a) => a.name), ['one', 'two']);
    assert.deepEqual((await store.apps.list({ ownerId: alice.id, namespace: 'dev' })).map((a) => a.name), ['two']);
    await store.apps.update(first.id, { paused: true, desiredWorkers: 3, status: 'PAUSED', autoscaler: null });
    const updated = await store.apps.get(first.id);
    assert.equal(updated?.paused, true);
    assert.equal(updated?.desiredWorkers, 3);
    assert.equal(updated?.autoscaler, null);
    assert.notEqual(updated?.updatedAt, NOW, 'an update stamps updatedAt');
    const spec = withSpecDefaults({ imageRef: 'one:v1', env: { A: '1' } });
    await store.apps.addRevision({ appId: first.id, revision: 1, spec, createdAt: NOW });
    await store.apps.addRevision({ appId: first.id, revision: 2, spec: { ...spec, imageRef: 'one:v2' }, createdAt: NOW });
    assert.deepEqual(await store.apps.revision(first.id, 1), { appId: first.id, revision: 1, spec, createdAt: NOW });
    assert.deepEqual((await store.apps.revisions(first.id)).map((r) => r.spec.imageRef), ['one:v1', 'one:v2']);
    await rejectsConflict(store.apps.addRevision({ appId: first.id, revision: 2, spec, createdAt: NOW }));
    await rejectsConflict(store.apps.create(app(alice, 'one')));
  },

  'revision failures: counted one at a time, read back for FAILED apps, forgiven; no field of the revision record': async (store) => {
    const alice = await addUser(store, 'alice');
    const record = app(alice, 'one');
    const healthy = app(alice, 'two');
    for (const a of [record, healthy]) await store.apps.create(a);
    const revision = { appId: record.id, revision: 1, spec: withSpecDefaults({ imageRef: 'one:v1' }), createdAt: NOW };
    await store.apps.addRevision(revision);
    await store.apps.addRevision({ ...revision, revision: 2 });
    await store.apps.addRevision({ ...revision, appId: healthy.id });
    // What a pass reads: the count of each FAILED app's target revision.
    const failuresOf = async (targetRevision: number) => {
      await store.apps.update(record.id, { status: 'FAILED', targetRevision });
      return (await store.apps.failuresOfFailedApps()).get(record.id);
    };
    assert.equal(await failuresOf(1), 0);
    // Counted at once, as two workers failing together are: neither count is lost.
    assert.deepEqual((await Promise.all([store.apps.countFailure(record.id, 1), store.apps.countFailure(record.id, 1)])).sort(), [1, 2]);
    assert.equal(await store.apps.countFailure(record.id, 1), 3);
    assert.equal(await store.apps.countFailure(healthy.id, 1), 1);
    assert.equal(await failuresOf(1), 3);
    assert.equal(await failuresOf(2), 0, 'counts are per revision');
    assert.deepEqual([...(await store.apps.failuresOfFailedApps()).keys()], [record.id], 'an app that is not FAILED is not read');
    assert.deepEqual(await store.apps.revision(record.id, 1), revision);
    await store.apps.forgiveFailures(record.id, 1);
    assert.equal(await failuresOf(1), 0);
    assert.equal(await store.apps.countFailure(record.id, 1), 1, 'a forgiven revision counts from 1 again');
    assert.equal(await failuresOf(9), undefined, 'a revision that is not there has none');
  },

  'halted revisions: their reasons read back by revision; no field of the revision record': async (store) => {
    const alice = await addUser(store, 'alice');
    const record = app(alice, 'one');
    await store.apps.create(record);
    const revision = { appId: record.id, revision: 1, spec: withSpecDefaults({ imageRef: 'one:v1' }), createdAt: NOW };
    for (const n of [1, 2, 3]) await store.apps.addRevision({ ...revision, revision: n });
    assert.deepEqual(await store.apps.haltReasons(record.id), new Map());
    await store.apps.haltRevision(record.id, 3, 'revision 3 failed 3 times in a row: its process exited with code 1');
    await store.apps.haltRevision(record.id, 2, 'revision 2 failed 3 times in a row: it was not ready within 3 s');
    assert.deepEqual(
      await store.apps.haltReasons(record.id),
      new Map([
        [2, 'revision 2 failed 3 times in a row: it was not ready within 3 s'],
        [3, 'revision 3 failed 3 times in a row: its process exited with code 1'],
      ]),
    );
    assert.deepEqual(await store.apps.revision(record.id, 3), { ...revision, revision: 3 });
  },

  'workers: create, get, update, list by app in creation order, list live ones': async (store) => {
    const alice = await addUser(store, 'alice');
    const record = app(alice, 'one');
    await store.apps.create(record);
    // Same millisecond: insertion order decides.
    const workers = [worker(record.id), worker(record.id), worker(record.id)];
    for (const w of workers) await store.workers.create(w);
    assert.deepEqual(await store.workers.get(workers[0]?.id ?? ''), workers[0]);
    assert.deepEqual((await store.workers.listByApp(record.id)).map((w) => w.id), workers.map((w) => w.id));
    await store.workers.update(workers[1]?.id ?? '', { status: 'TERMINATED', deletedAt: NOW, successCount: 5, pid: 1234, port: 40000 });
    await store.workers.update(workers[2]?.id ?? '', { status: 'RUNNING', phase: 'READY' });
    const changed = await store.workers.get(workers[1]?.id ?? '');
    assert.deepEqual([changed?.status, changed?.successCount, changed?.pid, changed?.port], ['TERMINATED', 5, 1234, 40000]);
    assert.deepEqual((await store.workers.listLive()).map((w) => w.id), [workers[0]?.id, workers[2]?.id]);
  },

  'workers: every live one across apps, oldest first, in one list': async (store) => {
    const alice = await addUser(store, 'alice');
    const one = app(alice, 'one');
    const two = app(alice, 'two');
    for (const record of [one, two]) await store.apps.create(record);
    const late = worker(one.id, '2026-01-02T03:04:08.000Z');
    const early = worker(two.id, '2026-01-02T03:04:06.000Z');
    const gone = worker(two.id, '2026-01-02T03:04:06.500Z');
    const middle = worker(one.id, '2026-01-02T03:04:07.000Z');
    for (const w of [late, early, gone, middle]) await store.workers.create(w);
    await store.workers.update(gone.id, { status: 'ERROR', deletedAt: NOW });
    await store.workers.update(middle.id, { status: 'TERMINATING', phase: 'REMOVE' });
    // A pass groups this list by app: each app's workers stay oldest first.
    assert.deepEqual((await store.workers.listLive()).map((w) => w.id), [early.id, middle.id, late.id]);
  },

  'workers: list the live ones of one app, oldest first': async (store) => {
    const alice = await addUser(store, 'alice');
    const one = app(alice, 'one');
    const two = app(alice, 'two');
    for (const record of [one, two]) await store.apps.create(record);
    const gone = worker(one.id);
    const failed = worker(one.id);
    const later = worker(one.id, '2026-01-02T03:04:07.000Z');
    const first = worker(one.id, '2026-01-02T03:04:06.000Z');
    for (const w of [gone, failed, later, first, worker(two.id)]) await store.workers.create(w);
    await store.workers.update(gone.id, { status: 'TERMINATED', deletedAt: NOW });
    await store.workers.update(failed.id, { status: 'ERROR', deletedAt: NOW });
    await store.workers.update(later.id, { status: 'TERMINATING', phase: 'REMOVE' });
    assert.deepEqual((await store.workers.listLiveByApp(one.id)).map((w) => w.id), [first.id, later.id]);
    assert.deepEqual(await store.workers.listLiveByApp('no-such-app'), []);
  },

  'workers: pruned once gone longer than the retention age; live ones stay, however old': async (store) => {
    const alice = await addUser(store, 'alice');
    const record = app(alice, 'one');
    await store.apps.create(record);
    const old = worker(record.id);
    const failed = worker(record.id);
    const recent = worker(record.id);
    const running = worker(record.id);
    for (const w of [old, failed, recent, running]) await store.workers.create(w);
    await store.workers.update(old.id, { status: 'TERMINATED', deletedAt: '2026-01-01T00:00:00.000Z' });
    await store.workers.update(failed.id, { status: 'ERROR', deletedAt: '2026-01-01T00:00:00.000Z' });
    await store.workers.update(recent.id, { status: 'TERMINATED', deletedAt: '2026-03-01T00:00:00.000Z' });
    await store.workers.update(running.id, { status: 'RUNNING', phase: 'READY' });
    assert.equal(await store.workers.prune('2026-02-01T00:00:00.000Z'), 2);
    assert.deepEqual((await store.workers.listByApp(record.id)).map((w) => w.id), [recent.id, running.id]);
    assert.equal(await store.workers.prune('2026-02-01T00:00:00.000Z'), 0, 'nothing left to prune');
    assert.equal(await store.workers.prune('9999-01-01T00:00:00.000Z'), 1, 'a live worker is never pruned');
    assert.deepEqual((await store.workers.listByApp(record.id)).map((w) => w.id), [running.id]);
  },

  'events: newest first, limited, pruned by age': async (store) => {
    await store.events.add('app-1', 'NORMAL', 'AppServer', 'first');
    await store.events.add('app-1', 'WARNING', 'Controller', 'second');
    await store.events.add('app-2', 'NORMAL', 'AppServer', 'elsewhere');
    const events = await store.events.list('app-1', 10);
    assert.deepEqual(events.map((e) => [e.type, e.from, e.message]), [['WARNING', 'Controller', 'second'], ['NORMAL', 'AppServer', 'first']]);
    assert.ok(typeof events[0]?.id === 'number' && events[0].id > (events[1]?.id ?? Infinity));
    assert.equal((await store.events.list('app-1', 1)).length, 1);
    assert.equal(await store.events.prune('2000-01-01T00:00:00.000Z'), 0);
    assert.equal(await store.events.prune('9999-01-01T00:00:00.000Z'), 3);
    assert.deepEqual(await store.events.list('app-1', 10), []);
  },

  'images: manifests, tags, repository owners, blob links': async (store) => {
    const manifest = { repository: 'alice/one', digest: 'sha256:aa', mediaType: 'application/vnd.oci.image.manifest.v1+json', size: 5_000_000_000, createdAt: NOW };
    await store.images.putManifest(manifest);
    await store.images.putManifest({ ...manifest, size: 1 });
    assert.deepEqual(await store.images.manifest('alice/one', 'sha256:aa'), manifest, 'a second put keeps the first');
    await store.images.putManifest({ ...manifest, repository: 'alice/two' });
    await store.images.setTag({ repository: 'alice/one', tag: 'v1', digest: 'sha256:aa', updatedAt: NOW });
    await store.images.setTag({ repository: 'alice/one', tag: 'v1', digest: 'sha256:bb', updatedAt: NOW });
    await store.images.setTag({ repository: 'alice/one', tag: 'latest', digest: 'sha256:aa', updatedAt: NOW });
    assert.equal((await store.images.tag('alice/one', 'v1'))?.digest, 'sha256:bb');
    assert.deepEqual(await store.images.tags('alice/one'), ['latest', 'v1']);
    assert.equal(await store.images.repositoryOwner('alice/one'), undefined);
    await store.images.claimRepository('alice/one', 'alice-id');
    await store.images.claimRepository('alice/one', 'bob-id');
    assert.equal(await store.images.repositoryOwner('alice/one'), 'alice-id', 'the first claim keeps it');
    await store.images.linkBlob('alice/one', 'sha256:cc');
    await store.images.linkBlob('alice/one', 'sha256:cc');
    assert.equal(await store.images.hasBlob('alice/one', 'sha256:cc'), true);
    assert.equal(await store.images.hasBlob('alice/two', 'sha256:cc'), false);
    assert.deepEqual(await store.images.manifestsOf('alice/one'), ['sha256:aa']);
    assert.deepEqual(await store.images.manifestDigests(), ['sha256:aa']);
  },

  'volumes: create, look up, list, status, revisions, blob claims, delete': async (store) => {
    const alice = await addUser(store, 'alice');
    const data = volume(alice, 'data');
    await store.volumes.create(data);
    await store.volumes.create(volume(alice, 'another'));
    assert.deepEqual(await store.volumes.get(data.id), data);
    assert.deepEqual(await store.volumes.byName(alice.id, 'data'), data);
    assert.deepEqual((await store.volumes.list(alice.id)).map((v) => v.name), ['another', 'data']);
    await store.volumes.setStatus(data.id, 'Public');
    assert.equal((await store.volumes.get(data.id))?.status, 'Public');
    assert.equal(await store.volumes.latestRevision(data.id), undefined);
    const revision = { volumeId: data.id, seq: 1, name: '000001-0aa', fileListDigest: 'sha256:list1', files: 2, size: 3_000_000_000, createdAt: '2026-02-01T00:00:00.000Z' };
    await store.volumes.addRevision(revision);
    await store.volumes.addRevision({ ...revision, seq: 2, name: '000002-0bb', fileListDigest: 'sha256:list2' });
    assert.equal((await store.volumes.latestRevision(data.id))?.name, '000002-0bb');
    assert.deepEqual(await store.volumes.revision(data.id, '000001-0aa'), revision);
    assert.equal((await store.volumes.get(data.id))?.updatedAt, revision.createdAt, 'a revision stamps the volume');
    assert.deepEqual((await store.volumes.fileListDigests()).sort(), ['sha256:list1', 'sha256:list2']);
    await rejectsConflict(store.volumes.addRevision(revision));
    await store.volumes.claimBlob(alice.id, 'sha256:b1');
    await store.volumes.claimBlob(alice.id, 'sha256:b1');
    assert.deepEqual([...(await store.volumes.claimedBlobs(alice.id, ['sha256:b1', 'sha256:b2']))], ['sha256:b1']);
    // Asked for as many as a push of thousands of files asks: each claim found, whatever query holds it.
    const many = Array.from({ length: 1234 }, (_, i) => `sha256:m${i}`);
    for (const digest of [many[0], many[700], many[1233]] as string[]) await store.volumes.claimBlob(alice.id, digest);
    assert.deepEqual([...(await store.volumes.claimedBlobs(alice.id, [...many, 'sha256:b1', many[0] as string]))].sort(), ['sha256:b1', 'sha256:m0', 'sha256:m1233', 'sha256:m700']);
    const bob = await addUser(store, 'bob');
    assert.equal((await store.volumes.claimedBlobs(bob.id, many)).size, 0, "another user's claims are not theirs");
    await rejectsConflict(store.volumes.create(volume(alice, 'data')));
    await store.volumes.delete(data.id);
    assert.equal(await store.volumes.get(data.id), undefined);
    assert.equal(await store.volumes.revision(data.id, '000001-0aa'), undefined, 'its revisions go with it');
  },

  'key-values: versions, newest, list, reseal, key ids, delete': async (store) => {
    const alice = await addUser(store, 'alice');
    await store.keyValues.add(secret(alice, 'db', 1));
    await store.keyValues.add({ ...secret(alice, 'db', 2), items: 3, createdAt: '2026-03-01T00:00:00.000Z' });
    await store.keyValues.add({ ...secret(alice, 'plain', 1, ''), kind: 'ConfigMap', data: '{"a":"b"}' });
    assert.equal((await store.keyValues.get(alice.id, 'Secret', 'db'))?.version, 2);
    assert.deepEqual(await store.keyValues.get(alice.id, 'Secret', 'db', 1), secret(alice, 'db', 1));
    assert.deepEqual(await store.keyValues.list(alice.id, 'Secret'), [{ name: 'db', version: 2, items: 3, createdAt: NOW, updatedAt: '2026-03-01T00:00:00.000Z' }]);
    assert.deepEqual((await store.keyValues.list(alice.id, 'ConfigMap')).map((s) => s.name), ['plain']);
    assert.equal((await store.keyValues.all('Secret')).length, 2);
    await rejectsConflict(store.keyValues.add(secret(alice, 'db', 2)));
    await store.keyValues.reseal({ ...secret(alice, 'db', 1), data: 'resealed', keyId: 'key-2' });
    assert.equal((await store.keyValues.get(alice.id, 'Secret', 'db', 1))?.data, 'resealed');
    assert.deepEqual((await store.keyValues.keyIds()).sort(), ['key-1', 'key-2']);
    assert.equal(await store.keyValues.delete(alice.id, 'Secret', 'db'), true);
    assert.equal(await store.keyValues.delete(alice.id, 'Secret', 'db'), false);
    assert.equal(await store.keyValues.get(alice.id, 'Secret', 'db'), undefined);
  },

  'a transaction commits every write through its handle': async (store) => {
    const alice = user('alice');
    const result = await store.transaction(async (tx) => {
      await tx.users.create(alice);
      await tx.namespaces.create({ ownerId: alice.id, name: 'default', createdAt: NOW });
      assert.deepEqual(await tx.users.get(alice.id), alice, 'the handle reads its own writes');
      return 'done';
    });
    assert.equal(result, 'done');
    assert.deepEqual(await store.users.get(alice.id), alice);
  },

  'a rolled-back transaction leaves nothing, and writes from other flows meanwhile survive': async (store) => {
    const inside = user('inside');
    const nested = user('nested');
    const outside = user('outside');
    let outsideWrite: Promise<void> | undefined;
    let outsideRead: Promise<UserRecord | undefined> | undefined;
    await assert.rejects(
      store.transaction(async (tx) => {
        await tx.users.create(inside);
        // Another flow, not awaited here: it must neither join this transaction nor see its writes.
        outsideWrite = store.users.create(outside);
        outsideRead = store.users.byName('inside');
        await tx.transaction(async (joined) => joined.users.create(nested));
        await new Promise((resolve) => setTimeout(resolve, 20));
        throw new Error('roll back');
      }),
      /roll back/,
    );
    await outsideWrite;
    assert.equal(await outsideRead, undefined, 'the other flow never saw the uncommitted user');
    assert.equal(await store.users.get(inside.id), undefined);
    assert.equal(await store.users.get(nested.id), undefined, 'a nested transaction on the handle rolls back with it');
    assert.deepEqual(await store.users.get(outside.id), outside);
    assert.equal(await store.users.count(), 1);
  },

  'concurrent transactions do not join each other': async (store) => {
    const kept = user('kept');
    const dropped = user('dropped');
    const outcomes = await Promise.allSettled([
      store.transaction(async (tx) => {
        await tx.users.create(dropped);
        await new Promise((resolve) => setTimeout(resolve, 20));
        throw new Error('roll back');
      }),
      store.transaction(async (tx) => tx.users.create(kept)),
    ]);
    assert.deepEqual(outcomes.map((o) => o.status), ['rejected', 'fulfilled']);
    assert.equal(await store.users.get(dropped.id), undefined);
    assert.deepEqual(await store.users.get(kept.id), kept);
  },

  'concurrent creates of one name per owner: one lands, the others are EVERAI_CONFLICT': async (store) => {
    const alice = await addUser(store, 'alice');
    const bob = await addUser(store, 'bob');
    // As the services do it: look, then create, in one transaction; the store settles the race.
    const checked = (exists: (tx: StoreHandle) => Promise<unknown>, create: (tx: StoreHandle) => Promise<void>) => () =>
      store.transaction(async (tx) => {
        if (await exists(tx)) throw new EveraiError('EVERAI_CONFLICT', 'exists');
        await create(tx);
      });
    const five = [1, 2, 3, 4, 5];
    await oneWins(five.map(() => checked((tx) => tx.apps.byName(alice.id, 'default', 'web'), (tx) => tx.apps.create(app(alice, 'web')))));
    await oneWins(five.map(() => checked((tx) => tx.volumes.byName(alice.id, 'data'), (tx) => tx.volumes.create(volume(alice, 'data')))));
    await oneWins(five.map(() => checked((tx) => tx.namespaces.get(alice.id, 'dev'), (tx) => tx.namespaces.create({ ownerId: alice.id, name: 'dev', createdAt: NOW }))));
    await oneWins(five.map(() => checked((tx) => tx.users.byName('carol'), (tx) => tx.users.create(user('carol')))));
    await oneWins(five.map(() => () => store.keyValues.add(secret(alice, 'db', 1))));
    // Unique per owner only: bob may have the same names.
    await store.apps.create(app(bob, 'web'));
    await store.volumes.create(volume(bob, 'data'));
  },

  'deleting an app takes its revisions, workers and events': async (store) => {
    const alice = await addUser(store, 'alice');
    const gone = app(alice, 'gone');
    const kept = app(alice, 'kept');
    for (const record of [gone, kept]) {
      await store.apps.create(record);
      await store.apps.addRevision({ appId: record.id, revision: 1, spec: withSpecDefaults({}), createdAt: NOW });
      await store.workers.create(worker(record.id));
      await store.events.add(record.id, 'NORMAL', 'AppServer', 'created');
    }
    await store.apps.delete(gone.id);
    assert.equal(await store.apps.get(gone.id), undefined);
    assert.deepEqual(await store.apps.revisions(gone.id), []);
    assert.deepEqual(await store.workers.listByApp(gone.id), []);
    assert.deepEqual(await store.events.list(gone.id, 10), []);
    assert.equal((await store.apps.revisions(kept.id)).length, 1);
    assert.equal((await store.workers.listByApp(kept.id)).length, 1);
    assert.equal((await store.events.list(kept.id, 10)).length, 1);
  },

  'deleting a user takes everything they own, and nothing of anyone else': async (store) => {
    const owners = [await addUser(store, 'alice'), await addUser(store, 'bob')];
    for (const owner of owners) {
      const record = app(owner, 'web');
      await store.apps.create(record);
      await store.apps.addRevision({ appId: record.id, revision: 1, spec: withSpecDefaults({}), createdAt: NOW });
      await store.workers.create(worker(record.id));
      await store.events.add(record.id, 'NORMAL', 'AppServer', 'created');
      const data = volume(owner, 'data');
      await store.volumes.create(data);
      await store.volumes.addRevision({ volumeId: data.id, seq: 1, name: '000001-0aa', fileListDigest: `sha256:${owner.name}`, files: 0, size: 0, createdAt: NOW });
      await store.volumes.claimBlob(owner.id, 'sha256:b1');
      await store.keyValues.add(secret(owner, 'db', 1));
      await store.namespaces.create({ ownerId: owner.id, name: 'dev', createdAt: NOW });
      await store.images.claimRepository(`${owner.name}/web`, owner.id);
      await store.images.putManifest({ repository: `${owner.name}/web`, digest: `sha256:m-${owner.name}`, mediaType: 'm', size: 1, createdAt: NOW });
      await store.images.setTag({ repository: `${owner.name}/web`, tag: 'v1', digest: `sha256:m-${owner.name}`, updatedAt: NOW });
      await store.images.linkBlob(`${owner.name}/web`, 'sha256:layer');
    }
    const [alice, bob] = owners as [UserRecord, UserRecord];
    const aliceApp = await store.apps.byName(alice.id, 'default', 'web');
    await store.users.delete(alice.id);
    const left = async (owner: UserRecord) => ({
      user: (await store.users.get(owner.id)) !== undefined,
      apps: (await store.apps.list({ ownerId: owner.id })).length,
      namespaces: (await store.namespaces.list(owner.id)).length,
      volumes: (await store.volumes.list(owner.id)).length,
      claims: (await store.volumes.claimedBlobs(owner.id, ['sha256:b1'])).size,
      secrets: (await store.keyValues.list(owner.id, 'Secret')).length,
      repository: await store.images.repositoryOwner(`${owner.name}/web`),
      tags: (await store.images.tags(`${owner.name}/web`)).length,
      manifests: (await store.images.manifestsOf(`${owner.name}/web`)).length,
      blob: await store.images.hasBlob(`${owner.name}/web`, 'sha256:layer'),
    });
    assert.deepEqual(await left(alice), { user: false, apps: 0, namespaces: 0, volumes: 0, claims: 0, secrets: 0, repository: undefined, tags: 0, manifests: 0, blob: false });
    assert.deepEqual(await left(bob), { user: true, apps: 1, namespaces: 2, volumes: 1, claims: 1, secrets: 1, repository: bob.id, tags: 1, manifests: 1, blob: true });
    assert.deepEqual(await store.workers.listByApp(aliceApp?.id ?? ''), []);
    assert.deepEqual(await store.events.list(aliceApp?.id ?? '', 10), []);
    assert.deepEqual(await store.volumes.fileListDigests(), ['sha256:bob']);
  },
};

for (const target of TARGETS) {
  describe(`store conformance: ${target.name}`, { skip: target.skip }, () => {
    for (const [name, run] of Object.entries(CASES)) {
      test(name, async () => {
        const opened = await target.open();
        try {
          await run(opened.store);
        } finally {
          await opened.dispose();
        }
      });
    }
  });
}
