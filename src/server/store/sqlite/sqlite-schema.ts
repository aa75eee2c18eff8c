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
  ALTER TABLE apps ADD COLUMN autoscaler TEXT NOT NULL DEFAULT 'null';
  ALTER TABLE apps ADD COLUMN queue_timeout_ms INTEGER;
  `,
];
