import { imageSpacesMigration } from '../sql/image-spaces-migration';

/**
 * The SQLite schema, as ordered migrations: the index of a migration is its `user_version`.
 * Never edit a shipped migration; append a new one.
 */
export const SQLITE_MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE users (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    token_hash TEXT NOT NULL UNIQUE,
    is_admin INTEGER NOT NULL,
    created_at TEXT NOT NULL
  );
  CREATE TABLE apps (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    namespace TEXT NOT NULL,
    owner_id TEXT NOT NULL REFERENCES users(id),
    route_name TEXT NOT NULL UNIQUE,
    target_revision INTEGER NOT NULL,
    desired_workers INTEGER NOT NULL,
    concurrency INTEGER NOT NULL,
    route_auth TEXT NOT NULL,
    paused INTEGER NOT NULL,
    status TEXT NOT NULL,
    status_reason TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (namespace, name)
  );
  CREATE TABLE app_revisions (
    app_id TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
    revision INTEGER NOT NULL,
    spec TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (app_id, revision)
  );
  CREATE TABLE workers (
    id TEXT PRIMARY KEY,
    app_id TEXT NOT NULL,
    revision INTEGER NOT NULL,
    status TEXT NOT NULL,
    phase TEXT NOT NULL,
    pid INTEGER,
    port INTEGER,
    replace_worker_id TEXT,
    status_reason TEXT NOT NULL,
    created_at TEXT NOT NULL,
    launch_at TEXT,
    deleted_at TEXT,
    last_serve_at TEXT,
    success_count INTEGER NOT NULL,
    failed_count INTEGER NOT NULL
  );
  CREATE INDEX workers_by_app ON workers(app_id, created_at);
  CREATE INDEX workers_live ON workers(status) WHERE status NOT IN ('TERMINATED', 'ERROR');
  CREATE TABLE events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    app_id TEXT NOT NULL,
    type TEXT NOT NULL,
    source TEXT NOT NULL,
    message TEXT NOT NULL,
    created_at TEXT NOT NULL
  );
  CREATE INDEX events_by_app ON events(app_id, id);
  CREATE TABLE image_repositories (
    repository TEXT PRIMARY KEY,
    owner_id TEXT NOT NULL
  );
  CREATE TABLE image_manifests (
    repository TEXT NOT NULL,
    digest TEXT NOT NULL,
    media_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (repository, digest)
  );
  CREATE TABLE image_tags (
    repository TEXT NOT NULL,
    tag TEXT NOT NULL,
    digest TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (repository, tag)
  );
  `,
  `
  CREATE TABLE volumes (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    owner_id TEXT NOT NULL REFERENCES users(id),
    status TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (owner_id, name)
  );
  CREATE TABLE volume_revisions (
    volume_id TEXT NOT NULL REFERENCES volumes(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    name TEXT NOT NULL,
    file_list_digest TEXT NOT NULL,
    files INTEGER NOT NULL,
    size INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (volume_id, seq),
    UNIQUE (volume_id, name)
  );
  `,
  `
  ALTER TABLE apps ADD COLUMN ready_timeout_ms INTEGER NOT NULL DEFAULT 600000;
  ALTER TABLE apps ADD COLUMN stable_revision INTEGER NOT NULL DEFAULT 0;
  `,
  `
  CREATE TABLE volume_blob_claims (
    user_id TEXT NOT NULL REFERENCES users(id),
    digest TEXT NOT NULL,
    PRIMARY KEY (user_id, digest)
  );
  `,
  `
  CREATE TABLE namespaces (
    owner_id TEXT NOT NULL REFERENCES users(id),
    name TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (owner_id, name)
  );
  INSERT INTO namespaces (owner_id, name, created_at) SELECT id, 'default', created_at FROM users;
  INSERT OR IGNORE INTO namespaces (owner_id, name, created_at)
    SELECT owner_id, namespace, min(created_at) FROM apps GROUP BY owner_id, namespace;
  -- App names are unique per owner and namespace, no longer across users (SQLite cannot drop a
  -- UNIQUE constraint, so the table is rebuilt; migrations run with foreign keys off for this).
  CREATE TABLE apps_by_owner (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    namespace TEXT NOT NULL,
    owner_id TEXT NOT NULL REFERENCES users(id),
    route_name TEXT NOT NULL UNIQUE,
    target_revision INTEGER NOT NULL,
    desired_workers INTEGER NOT NULL,
    concurrency INTEGER NOT NULL,
    route_auth TEXT NOT NULL,
    paused INTEGER NOT NULL,
    status TEXT NOT NULL,
    status_reason TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    ready_timeout_ms INTEGER NOT NULL DEFAULT 600000,
    stable_revision INTEGER NOT NULL DEFAULT 0,
    UNIQUE (owner_id, namespace, name)
  );
  INSERT INTO apps_by_owner SELECT id, name, namespace, owner_id, route_name, target_revision, desired_workers,
    concurrency, route_auth, paused, status, status_reason, created_at, updated_at, ready_timeout_ms, stable_revision FROM apps;
  DROP TABLE apps;
  ALTER TABLE apps_by_owner RENAME TO apps;
  -- Which blobs each repository holds: a blob is read through a repository only if it was pushed
  -- there (or mounted from a repository the pusher may read), never by knowing its digest alone.
  CREATE TABLE image_blobs (
    repository TEXT NOT NULL,
    digest TEXT NOT NULL,
    PRIMARY KEY (repository, digest)
  );
  `,
  `
  CREATE TABLE key_values (
    owner_id TEXT NOT NULL REFERENCES users(id),
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    version INTEGER NOT NULL,
    items INTEGER NOT NULL,
    data TEXT NOT NULL,
    key_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (owner_id, kind, name, version)
  );
  `,
  `
  ALTER TABLE apps ADD COLUMN autoscaler TEXT NOT NULL DEFAULT 'null';
  ALTER TABLE apps ADD COLUMN queue_timeout_ms INTEGER;
  `,
  `
  ALTER TABLE apps ADD COLUMN max_drain_ms INTEGER NOT NULL DEFAULT 3600000;
  `,
  `
  -- A revision's failed workers in a row (docs/rollout.md): kept here, not in the controller's
  -- memory, so a rollout halted before a restart stays halted after it.
  ALTER TABLE app_revisions ADD COLUMN failures INTEGER NOT NULL DEFAULT 0;
  -- A reconcile pass reads only an app's live workers (listLiveByApp), not every worker it ever had.
  CREATE INDEX workers_live_by_app ON workers(app_id, created_at) WHERE status NOT IN ('TERMINATED', 'ERROR');
  -- Retention drops workers gone longer than its age (store.workers.prune).
  CREATE INDEX workers_gone ON workers(deleted_at) WHERE status IN ('TERMINATED', 'ERROR');
  `,
  `
  -- When a user last scaled the app up by hand (docs/autoscaling.md): a builtin autoscaler lets
  -- no worker go for maxIdleTime after it, so the scale-up is not undone in the same second.
  ALTER TABLE apps ADD COLUMN manual_scale_at TEXT;
  `,
  `
  -- Why a rollout of the revision was halted ('' while none was): \`app revisions\` marks it FAILED, and
  -- a rollout to what it ran again needs --force (docs/rollout.md).
  ALTER TABLE app_revisions ADD COLUMN halt_reason TEXT NOT NULL DEFAULT '';
  `,
  imageSpacesMigration(`
  UPDATE app_revisions SET spec = json_set(spec, '$.imageRepository', m.new)
    FROM apps a, image_moves m
    WHERE a.id = app_revisions.app_id AND m.owner_id = a.owner_id AND m.old = json_extract(app_revisions.spec, '$.imageRepository')`),
];
