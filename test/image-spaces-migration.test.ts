import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { openStore } from '../src/server/store/open-store';
import { loadPg, pgConfig } from '../src/server/store/postgres/postgres-client';
import { POSTGRES_MIGRATIONS } from '../src/server/store/postgres/postgres-schema';
import type { UserRecord } from '../src/server/store/records';
import { withSpecDefaults } from '../src/server/store/revision-spec-defaults';
import { openSqlite } from '../src/server/store/sqlite/sqlite-driver';
import { SQLITE_MIGRATIONS } from '../src/server/store/sqlite/sqlite-schema';
import type { Store } from '../src/server/store/store';
import { createTestDatabase, PG_SKIP } from './helpers/postgres';
import { addUser, app, NOW } from './helpers/store-records';

// An install from before image names were per user (src/server/store/sql/image-spaces-migration.ts):
// its repositories move into their owners' spaces on the first start of this version, and the
// revisions that pinned them follow. The data is written as that version wrote it, then the
// schema version is set back to before the migration, which changes no table, only rows.

interface Target {
  name: string;
  skip: string | false;
  /** An empty store; `reopen` sets the schema version back one migration and opens it again. */
  open(): Promise<{ store: Store; reopen(store: Store): Promise<Store>; dispose(store: Store): Promise<void> }>;
}

const TARGETS: Target[] = [
  {
    name: 'SQLite',
    skip: false,
    open: async () => {
      const dir = mkdtempSync(join(tmpdir(), 'everai-migration-'));
      return {
        store: await openStore(undefined, dir),
        reopen: async (store) => {
          await store.close();
          const client = openSqlite(join(dir, 'state.db'));
          client.pragma(`user_version = ${SQLITE_MIGRATIONS.length - 1}`);
          client.close();
          return openStore(undefined, dir);
        },
        dispose: async (store) => (await store.close(), rmSync(dir, { recursive: true, force: true })),
      };
    },
  },
  {
    name: 'PostgreSQL',
    skip: PG_SKIP,
    open: async () => {
      const database = await createTestDatabase();
      return {
        store: await openStore(database.url, '/nonexistent'),
        reopen: async (store) => {
          await store.close();
          const pg = loadPg();
          const client = new pg.Client(pgConfig(pg, database.url));
          await client.connect();
          await client.query('UPDATE everai_schema SET version = $1', [POSTGRES_MIGRATIONS.length - 1]);
          await client.end();
          return openStore(database.url, '/nonexistent');
        },
        dispose: async (store) => (await store.close(), await database.drop()),
      };
    },
  },
];

/** A repository as the old registry left it: claimed, one manifest per tag, each linked to its blob. */
async function pushed(store: Store, owner: UserRecord, repository: string, tags: Record<string, string>): Promise<void> {
  await store.images.claimRepository(repository, owner.id);
  for (const [tag, digest] of Object.entries(tags)) {
    await store.images.putManifest({ repository, digest, mediaType: 'application/vnd.oci.image.manifest.v1+json', size: 1, createdAt: NOW });
    await store.images.setTag({ repository, tag, digest, updatedAt: NOW });
    await store.images.linkBlob(repository, `${digest}-layer`);
  }
}

async function deployed(store: Store, owner: UserRecord, name: string, imageRepositories: string[]): Promise<string> {
  const record = app(owner, name);
  await store.apps.create(record);
  for (const [i, imageRepository] of imageRepositories.entries()) {
    const spec = withSpecDefaults({ imageRef: `${imageRepository}:v1`, imageRepository, imageDigest: 'sha256:pinned' });
    await store.apps.addRevision({ appId: record.id, revision: i + 1, spec, createdAt: NOW });
  }
  return record.id;
}

async function repository(store: Store, name: string) {
  const tags: Record<string, string | undefined> = {};
  for (const tag of await store.images.tags(name)) tags[tag] = (await store.images.tag(name, tag))?.digest;
  return { owner: await store.images.repositoryOwner(name), tags, manifests: (await store.images.manifestsOf(name)).sort() };
}

for (const target of TARGETS) {
  describe(target.name, { skip: target.skip }, () => {
    test('every repository moves into its owner\'s space, with its tags, manifests and blobs, and the revisions that pinned it', async () => {
      const opened = await target.open();
      let store = opened.store;
      try {
        const alice = await addUser(store, 'alice');
        const bob = await addUser(store, 'bob');
        await pushed(store, alice, 'get-start', { v1: 'sha256:m1' });
        await pushed(store, alice, 'alice/tools', { v1: 'sha256:m2' });
        // Both `x` and `alice/x` of alice's: they merge, and the tag both had keeps alice/x's.
        await pushed(store, alice, 'x', { v1: 'sha256:m3', old: 'sha256:m3' });
        await pushed(store, alice, 'alice/x', { v1: 'sha256:m4' });
        // Bob pushed into what is now alice's space: it moves into his, and leaves alice's free.
        await pushed(store, bob, 'alice/y', { v1: 'sha256:m5' });
        const aliceApp = await deployed(store, alice, 'web', ['get-start', 'alice/tools', 'quay.io/team/app']);
        const bobApp = await deployed(store, bob, 'web', ['alice/y']);

        store = await opened.reopen(store);

        assert.deepEqual(await repository(store, 'alice/get-start'), { owner: alice.id, tags: { v1: 'sha256:m1' }, manifests: ['sha256:m1'] });
        assert.equal(await store.images.hasBlob('alice/get-start', 'sha256:m1-layer'), true);
        assert.deepEqual(await repository(store, 'alice/tools'), { owner: alice.id, tags: { v1: 'sha256:m2' }, manifests: ['sha256:m2'] });
        assert.deepEqual(await repository(store, 'alice/x'), {
          owner: alice.id,
          tags: { old: 'sha256:m3', v1: 'sha256:m4' },
          manifests: ['sha256:m3', 'sha256:m4'],
        });
        assert.equal(await store.images.hasBlob('alice/x', 'sha256:m3-layer'), true);
        assert.deepEqual(await repository(store, 'bob/alice/y'), { owner: bob.id, tags: { v1: 'sha256:m5' }, manifests: ['sha256:m5'] });
        for (const gone of ['get-start', 'x', 'alice/y']) {
          assert.deepEqual(await repository(store, gone), { owner: undefined, tags: {}, manifests: [] }, gone);
        }

        const pinned = async (appId: string, revision: number) => (await store.apps.revision(appId, revision))?.spec;
        assert.deepEqual(
          [await pinned(aliceApp, 1), await pinned(aliceApp, 2), await pinned(aliceApp, 3)].map((spec) => [spec?.imageRef, spec?.imageRepository, spec?.imageDigest]),
          [
            ['get-start:v1', 'alice/get-start', 'sha256:pinned'],
            ['alice/tools:v1', 'alice/tools', 'sha256:pinned'],
            ['quay.io/team/app:v1', 'quay.io/team/app', 'sha256:pinned'],
          ],
        );
        assert.equal((await pinned(bobApp, 1))?.imageRepository, 'bob/alice/y');
      } finally {
        await opened.dispose(store);
      }
    });
  });
}
