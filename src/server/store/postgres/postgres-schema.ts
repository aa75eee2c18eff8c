import { imageSpacesMigration } from '../sql/image-spaces-migration';

/**
 * The PostgreSQL schema, as ordered migrations: the index of a migration is the version it leaves
 * in `everai_schema`. Never edit a shipped migration; append a new one. The first is the whole of
 * SQLite's migrations (sqlite-schema.ts) as they stand: there was no PostgreSQL store before it.
 * Times stay ISO strings (TEXT), as on SQLite, so both order and compare them the same way.
 */
export const POSTGRES_MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE users (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    token_hash TEXT NOT NULL UNIQUE,
    is_admin BOOLEAN NOT NULL,
    created_at TEXT NOT NULL
  );
  CREATE TABLE namespaces (
    owner_id TEXT NOT NULL REFERENCES users(id),
    name TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (owner_id, name)
  );
  CREATE TABLE apps (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    namespace TEXT NOT NULL,
    owner_id TEXT NOT NULL REFERENCES users(id),
    route_name TEXT NOT NULL UNIQUE,
    target_revision BIGINT NOT NULL,
    desired_workers BIGINT NOT NULL,
    concurrency BIGINT NOT NULL,
    route_auth TEXT NOT NULL,
    paused BOOLEAN NOT NULL,
    status TEXT NOT NULL,
    status_reason TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    ready_timeout_ms BIGINT NOT NULL DEFAULT 600000,
    stable_revision BIGINT NOT NULL DEFAULT 0,
    autoscaler TEXT NOT NULL DEFAULT 'null',
    queue_timeout_ms BIGINT,
    max_drain_ms BIGINT NOT NULL DEFAULT 3600000,
    UNIQUE (owner_id, namespace, name)
  );
  CREATE TABLE app_revisions (
    app_id TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
    revision BIGINT NOT NULL,
    spec TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (app_id, revision)
  );
  -- rowid: SQLite's implicit insertion order, which orders workers made in the same millisecond.
  CREATE TABLE workers (
    rowid BIGSERIAL,
    id TEXT PRIMARY KEY,
    app_id TEXT NOT NULL,
    revision BIGINT NOT NULL,
    status TEXT NOT NULL,
    phase TEXT NOT NULL,
    pid BIGINT,
    port BIGINT,
    replace_worker_id TEXT,
    status_reason TEXT NOT NULL,
    created_at TEXT NOT NULL,
    launch_at TEXT,
    deleted_at TEXT,
    last_serve_at TEXT,
    success_count BIGINT NOT NULL,
    failed_count BIGINT NOT NULL
  );
  CREATE INDEX workers_by_app ON workers(app_id, created_at);
  CREATE INDEX workers_live ON workers(status) WHERE status NOT IN ('TERMINATED', 'ERROR');
  CREATE TABLE events (
    id BIGSERIAL PRIMARY KEY,
    app_id TEXT NOT NULL,
    type TEXT NOT NULL,
    source TEXT NOT NULL,
    message TEXT NOT NULL,
    created_at TEXT NOT NULL
  );
  CREATE INDEX events_by_app ON events(app_id, id);
  CREATE INDEX events_by_time ON events(created_at);
  CREATE TABLE image_repositories (
    repository TEXT PRIMARY KEY,
    owner_id TEXT NOT NULL
  );
  CREATE TABLE image_manifests (
    repository TEXT NOT NULL,
    digest TEXT NOT NULL,
    media_type TEXT NOT NULL,
    size BIGINT NOT NULL,
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
  CREATE TABLE image_blobs (
    repository TEXT NOT NULL,
    digest TEXT NOT NULL,
    PRIMARY KEY (repository, digest)
  );
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
    seq BIGINT NOT NULL,
    name TEXT NOT NULL,
    file_list_digest TEXT NOT NULL,
    files BIGINT NOT NULL,
    size BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (volume_id, seq),
    UNIQUE (volume_id, name)
  );
  CREATE TABLE volume_blob_claims (
    user_id TEXT NOT NULL REFERENCES users(id),
    digest TEXT NOT NULL,
    PRIMARY KEY (user_id, digest)
  );
  CREATE TABLE key_values (
    owner_id TEXT NOT NULL REFERENCES users(id),
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    version BIGINT NOT NULL,
    items BIGINT NOT NULL,
    data TEXT NOT NULL,
    key_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (owner_id, kind, name, version)
  );
  `,
  `
  -- A revision's failed workers in a row (docs/rollout.md), as SQLite's migration 8.
  ALTER TABLE app_revisions ADD COLUMN failures BIGINT NOT NULL DEFAULT 0;
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
  -- Why a rollout of the revision was halted (docs/rollout.md), as on SQLite.
  ALTER TABLE app_revisions ADD COLUMN halt_reason TEXT NOT NULL DEFAULT '';
  `,
  // The same as SQLite's (sqlite-schema.ts); only the JSON functions differ.
  imageSpacesMigration(`
  UPDATE app_revisions SET spec = jsonb_set(spec::jsonb, '{imageRepository}', to_jsonb(m.new))::text
    FROM apps a, image_moves m
    WHERE a.id = app_revisions.app_id AND m.owner_id = a.owner_id AND m.old = app_revisions.spec::jsonb ->> 'imageRepository'`),
];
