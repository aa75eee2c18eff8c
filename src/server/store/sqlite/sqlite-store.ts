import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { SqlStore } from '../sql/sql-store';
import type { StoreLease } from '../store';
import { SqliteDatabase } from './sqlite-database';
import { openSqlite, type SqliteClient } from './sqlite-driver';
import { SQLITE_MIGRATIONS } from './sqlite-schema';

/**
 * The data folder, and so its SQLite file, belongs to one server: no other server shares this
 * store, so the controller lease is always this server's.
 */
const SOLE_SERVER_LEASE: StoreLease = {
  tryAcquire: async () => true,
  onLost: () => undefined,
  release: async () => undefined,
};

/**
 * Foreign keys are off while migrating (they cannot change inside a transaction): a migration
 * that rebuilds a table must not cascade deletes into the tables that reference it. Each
 * migration is checked for dangling references before it commits.
 */
function migrate(db: SqliteClient): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version >= SQLITE_MIGRATIONS.length) return;
  db.pragma('foreign_keys = OFF');
  for (let i = version; i < SQLITE_MIGRATIONS.length; i++) {
    db.exec('BEGIN');
    db.exec(SQLITE_MIGRATIONS[i] as string);
    const dangling = db.pragma('foreign_key_check') as unknown[];
    if (dangling.length > 0) {
      db.exec('ROLLBACK');
      throw new Error(`migration ${i + 1} leaves ${dangling.length} dangling references: ${JSON.stringify(dangling[0])}`);
    }
    db.pragma(`user_version = ${i + 1}`);
    db.exec('COMMIT');
  }
  db.pragma('foreign_keys = ON');
}

function openClient(file: string): SqliteClient {
  mkdirSync(dirname(file), { recursive: true });
  const client = openSqlite(file);
  client.pragma('journal_mode = WAL');
  // NORMAL in WAL mode survives a process crash (SIGKILL); only power loss may drop the last commit.
  client.pragma('synchronous = NORMAL');
  client.pragma('foreign_keys = ON');
  client.pragma('busy_timeout = 5000');
  migrate(client);
  return client;
}

/** The embedded state store: one SQLite file in WAL mode, migrated on open. */
export class SqliteStore extends SqlStore {
  constructor(file: string) {
    super(new SqliteDatabase(openClient(file)), () => SOLE_SERVER_LEASE);
  }
}
