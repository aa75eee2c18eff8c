import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type {
  AppRecord,
  AppRevisionRecord,
  EventRecord,
  EventType,
  ImageTagRecord,
  ManifestRecord,
  NamespaceRecord,
  UserRecord,
  WorkerRecord,
} from '../records';
import type {
  AppFilter,
  AppStore,
  EventStore,
  ImageStore,
  KeyValueStore,
  NamespaceStore,
  Store,
  UserStore,
  VolumeStore,
  WorkerStore,
} from '../store';
import { openSqlite, type SqliteDatabase } from './sqlite-driver';
import { fromColumns, insertSql, toColumns, updateSql } from './sqlite-rows';
import { SQLITE_MIGRATIONS } from './sqlite-schema';
import { withSpecDefaults } from '../revision-spec-defaults';
import { sqliteVolumeStore } from './sqlite-volume-store';
import { deleteUserRows } from './sqlite-user-delete';
import { sqliteKeyValueStore } from './sqlite-key-value-store';
import { nowIso } from '../../../contract/time';

const APP_ROW = { booleans: ['paused'], json: ['autoscaler'] } as const;

function revisionFromRow(row: unknown): AppRevisionRecord {
  const revision = fromColumns<AppRevisionRecord>(row, { json: ['spec'] });
  return { ...revision, spec: withSpecDefaults(revision.spec) };
}
const USER_ROW = { booleans: ['isAdmin'] } as const;
const EVENT_ROW = { rename: { source: 'from' } } as const;

/** The embedded state store: one SQLite file in WAL mode, migrated on open. */
export class SqliteStore implements Store {
  private readonly db: SqliteDatabase;
  private inTransaction = false;

  readonly users: UserStore;
  readonly namespaces: NamespaceStore;
  readonly apps: AppStore;
  readonly workers: WorkerStore;
  readonly events: EventStore;
  readonly images: ImageStore;
  readonly volumes: VolumeStore;
  readonly keyValues: KeyValueStore;

  constructor(file: string) {
    mkdirSync(dirname(file), { recursive: true });
    this.db = openSqlite(file);
    this.db.pragma('journal_mode = WAL');
    // NORMAL in WAL mode survives a process crash (SIGKILL); only power loss may drop the last commit.
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
    this.migrate();
    this.users = this.userStore();
    this.namespaces = this.namespaceStore();
    this.apps = this.appStore();
    this.workers = this.workerStore();
    this.events = this.eventStore();
    this.images = this.imageStore();
    this.volumes = sqliteVolumeStore(this.db);
    this.keyValues = sqliteKeyValueStore(this.db);
  }

  /**
   * Foreign keys are off while migrating (they cannot change inside a transaction): a migration
   * that rebuilds a table must not cascade deletes into the tables that reference it. Each
   * migration is checked for dangling references before it commits.
   */
  private migrate(): void {
    const version = this.db.pragma('user_version', { simple: true }) as number;
    if (version >= SQLITE_MIGRATIONS.length) return;
    this.db.pragma('foreign_keys = OFF');
    for (let i = version; i < SQLITE_MIGRATIONS.length; i++) {
      this.db.exec('BEGIN');
      this.db.exec(SQLITE_MIGRATIONS[i] as string);
      const dangling = this.db.pragma('foreign_key_check') as unknown[];
      if (dangling.length > 0) {
        this.db.exec('ROLLBACK');
        throw new Error(`migration ${i + 1} leaves ${dangling.length} dangling references: ${JSON.stringify(dangling[0])}`);
      }
      this.db.pragma(`user_version = ${i + 1}`);
      this.db.exec('COMMIT');
    }
    this.db.pragma('foreign_keys = ON');
  }

  /**
   * SQLite answers synchronously, so `work` runs to its end inside BEGIN..COMMIT as long as it
   * awaits only this store. Nested calls join the outer transaction.
   */
  async transaction<T>(work: () => Promise<T>): Promise<T> {
    if (this.inTransaction) return work();
    this.db.exec('BEGIN IMMEDIATE');
    this.inTransaction = true;
    try {
      const result = await work();
      this.db.exec('COMMIT');
      return result;
    } catch (error) {
      this.db.exec('ROLLBACK');
      throw error;
    } finally {
      this.inTransaction = false;
    }
  }

  async close(): Promise<void> {
    this.db.close();
  }

  private insert(table: string, record: object, json: readonly string[] = []): void {
    const row = toColumns(record, json);
    this.db.prepare(insertSql(table, row)).run(row);
  }

  private update(table: string, key: string, id: string, changes: object, json: readonly string[] = []): void {
    const row = toColumns(changes, json);
    if (Object.keys(row).length === 0) return;
    this.db.prepare(updateSql(table, row, key)).run({ ...row, __key: id });
  }

  private userStore(): UserStore {
    const db = this.db;
    return {
      create: async (user: UserRecord) => this.insert('users', user),
      byTokenHash: async (hash: string) => {
        const row = db.prepare('SELECT * FROM users WHERE token_hash = ?').get(hash);
        return row ? fromColumns<UserRecord>(row, USER_ROW) : undefined;
      },
      byName: async (name: string) => {
        const row = db.prepare('SELECT * FROM users WHERE name = ?').get(name);
        return row ? fromColumns<UserRecord>(row, USER_ROW) : undefined;
      },
      get: async (id: string) => {
        const row = db.prepare('SELECT * FROM users WHERE id = ?').get(id);
        return row ? fromColumns<UserRecord>(row, USER_ROW) : undefined;
      },
      count: async () => (db.prepare('SELECT count(*) AS n FROM users').get() as { n: number }).n,
      list: async () => db.prepare('SELECT * FROM users ORDER BY name').all().map((row) => fromColumns<UserRecord>(row, USER_ROW)),
      setTokenHash: async (id, tokenHash) => this.update('users', 'id', id, { tokenHash }),
      delete: async (id) => this.transaction(async () => deleteUserRows(db, id)),
    };
  }

  private namespaceStore(): NamespaceStore {
    const db = this.db;
    return {
      create: async (namespace) => this.insert('namespaces', namespace),
      get: async (ownerId, name) => {
        const row = db.prepare('SELECT * FROM namespaces WHERE owner_id = ? AND name = ?').get(ownerId, name);
        return row ? fromColumns<NamespaceRecord>(row) : undefined;
      },
      list: async (ownerId) =>
        db
          .prepare('SELECT * FROM namespaces WHERE owner_id = ? ORDER BY name')
          .all(ownerId)
          .map((row) => fromColumns<NamespaceRecord>(row)),
      delete: async (ownerId, name) => {
        db.prepare('DELETE FROM namespaces WHERE owner_id = ? AND name = ?').run(ownerId, name);
      },
    };
  }

  private appStore(): AppStore {
    const db = this.db;
    const one = (row: unknown) => (row ? fromColumns<AppRecord>(row, APP_ROW) : undefined);
    return {
      create: async (app: AppRecord) => this.insert('apps', app, APP_ROW.json),
      update: async (id, changes) => this.update('apps', 'id', id, { ...changes, updatedAt: nowIso() }, APP_ROW.json),
      delete: async (id) => {
        db.prepare('DELETE FROM apps WHERE id = ?').run(id);
      },
      get: async (id) => one(db.prepare('SELECT * FROM apps WHERE id = ?').get(id)),
      byName: async (ownerId, namespace, name) =>
        one(db.prepare('SELECT * FROM apps WHERE owner_id = ? AND namespace = ? AND name = ?').get(ownerId, namespace, name)),
      byRouteName: async (routeName) => one(db.prepare('SELECT * FROM apps WHERE route_name = ?').get(routeName)),
      list: async (filter: AppFilter = {}) => {
        const rows = db
          .prepare(
            `SELECT * FROM apps WHERE (@ownerId IS NULL OR owner_id = @ownerId)
               AND (@namespace IS NULL OR namespace = @namespace) ORDER BY created_at, name`,
          )
          .all({ ownerId: filter.ownerId ?? null, namespace: filter.namespace ?? null });
        return rows.map((row) => fromColumns<AppRecord>(row, APP_ROW));
      },
      addRevision: async (revision: AppRevisionRecord) => this.insert('app_revisions', revision, ['spec']),
      revision: async (appId, revision) => {
        const row = db.prepare('SELECT * FROM app_revisions WHERE app_id = ? AND revision = ?').get(appId, revision);
        return row ? revisionFromRow(row) : undefined;
      },
      revisions: async (appId) =>
        db
          .prepare('SELECT * FROM app_revisions WHERE app_id = ? ORDER BY revision')
          .all(appId)
          .map(revisionFromRow),
    };
  }

  private workerStore(): WorkerStore {
    const db = this.db;
    return {
      create: async (worker: WorkerRecord) => this.insert('workers', worker),
      update: async (id, changes) => this.update('workers', 'id', id, changes),
      get: async (id) => {
        const row = db.prepare('SELECT * FROM workers WHERE id = ?').get(id);
        return row ? fromColumns<WorkerRecord>(row) : undefined;
      },
      listByApp: async (appId) =>
        db
          .prepare('SELECT * FROM workers WHERE app_id = ? ORDER BY created_at, rowid')
          .all(appId)
          .map((row) => fromColumns<WorkerRecord>(row)),
      listLive: async () =>
        db
          .prepare(`SELECT * FROM workers WHERE status NOT IN ('TERMINATED', 'ERROR') ORDER BY created_at, rowid`)
          .all()
          .map((row) => fromColumns<WorkerRecord>(row)),
    };
  }

  private eventStore(): EventStore {
    const db = this.db;
    return {
      add: async (appId: string, type: EventType, from: string, message: string) => {
        db.prepare('INSERT INTO events (app_id, type, source, message, created_at) VALUES (?, ?, ?, ?, ?)').run(
          appId,
          type,
          from,
          message,
          nowIso(),
        );
      },
      list: async (appId, limit) =>
        db
          .prepare('SELECT * FROM events WHERE app_id = ? ORDER BY id DESC LIMIT ?')
          .all(appId, limit)
          .map((row) => fromColumns<EventRecord>(row, EVENT_ROW)),
      prune: async (before) => db.prepare('DELETE FROM events WHERE created_at < ?').run(before).changes,
    };
  }

  private imageStore(): ImageStore {
    const db = this.db;
    return {
      putManifest: async (m: ManifestRecord) => {
        db.prepare(
          `INSERT INTO image_manifests (repository, digest, media_type, size, created_at) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (repository, digest) DO NOTHING`,
        ).run(m.repository, m.digest, m.mediaType, m.size, m.createdAt);
      },
      manifest: async (repository, digest) => {
        const row = db.prepare('SELECT * FROM image_manifests WHERE repository = ? AND digest = ?').get(repository, digest);
        return row ? fromColumns<ManifestRecord>(row) : undefined;
      },
      setTag: async (t: ImageTagRecord) => {
        db.prepare(
          `INSERT INTO image_tags (repository, tag, digest, updated_at) VALUES (?, ?, ?, ?)
           ON CONFLICT (repository, tag) DO UPDATE SET digest = excluded.digest, updated_at = excluded.updated_at`,
        ).run(t.repository, t.tag, t.digest, t.updatedAt);
      },
      tag: async (repository, tag) => {
        const row = db.prepare('SELECT * FROM image_tags WHERE repository = ? AND tag = ?').get(repository, tag);
        return row ? fromColumns<ImageTagRecord>(row) : undefined;
      },
      tags: async (repository) =>
        (db.prepare('SELECT tag FROM image_tags WHERE repository = ? ORDER BY tag').all(repository) as { tag: string }[]).map(
          (r) => r.tag,
        ),
      repositoryOwner: async (repository) =>
        (db.prepare('SELECT owner_id FROM image_repositories WHERE repository = ?').get(repository) as
          | { owner_id: string }
          | undefined)?.owner_id,
      claimRepository: async (repository, ownerId) => {
        db.prepare('INSERT INTO image_repositories (repository, owner_id) VALUES (?, ?) ON CONFLICT DO NOTHING').run(
          repository,
          ownerId,
        );
      },
      linkBlob: async (repository, digest) => {
        db.prepare('INSERT INTO image_blobs (repository, digest) VALUES (?, ?) ON CONFLICT DO NOTHING').run(repository, digest);
      },
      hasBlob: async (repository, digest) =>
        db.prepare('SELECT 1 FROM image_blobs WHERE repository = ? AND digest = ?').get(repository, digest) !== undefined,
      manifestsOf: async (repository) =>
        (db.prepare('SELECT digest FROM image_manifests WHERE repository = ?').all(repository) as { digest: string }[]).map(
          (r) => r.digest,
        ),
      manifestDigests: async () =>
        (db.prepare('SELECT DISTINCT digest FROM image_manifests').all() as { digest: string }[]).map((r) => r.digest),
    };
  }
}
