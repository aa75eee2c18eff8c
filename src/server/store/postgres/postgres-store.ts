import { EveraiError } from '../../../contract/errors';
import { SqlStore } from '../sql/sql-store';
import { loadPg, pgConfig, type PgPool } from './postgres-client';
import { PostgresDatabase } from './postgres-database';
import { PostgresLease } from './postgres-lease';
import { POSTGRES_MIGRATIONS } from './postgres-schema';

/** The lock that a migration holds, so that two servers starting together do not both migrate. */
const MIGRATION_LOCK = 'everai migrations';
const CONTROLLER_LOCK = 'everai controller';

/** The URL without its password, for messages. */
export function shownUrl(url: URL): string {
  const shown = new URL(url.href);
  if (shown.password) shown.password = '***';
  return shown.href;
}

async function migrate(pool: PgPool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [MIGRATION_LOCK]);
    await client.query('CREATE TABLE IF NOT EXISTS everai_schema (version INTEGER NOT NULL)');
    const { rows } = await client.query('SELECT version FROM everai_schema');
    const version = Number(rows[0]?.version ?? 0);
    for (let i = version; i < POSTGRES_MIGRATIONS.length; i++) await client.query(POSTGRES_MIGRATIONS[i] as string);
    await client.query('DELETE FROM everai_schema');
    await client.query('INSERT INTO everai_schema (version) VALUES ($1)', [Math.max(version, POSTGRES_MIGRATIONS.length)]);
    await client.query('COMMIT');
    client.release();
  } catch (error) {
    client.release(error as Error);
    throw error;
  }
}

/**
 * The state store on a PostgreSQL database that several servers may share (docs/store.md):
 * reachable and migrated before this resolves. An unreachable database is EVERAI_STORE_UNREACHABLE,
 * one line naming it, not a stack.
 */
export async function openPostgresStore(url: URL): Promise<SqlStore> {
  const pg = loadPg();
  const pool = new pg.Pool({ ...pgConfig(pg, url.href), max: 10 });
  // A connection that drops while idle in the pool is replaced on its next use; without a
  // listener its error would end the process.
  pool.on('error', () => undefined);
  try {
    await migrate(pool);
  } catch (error) {
    await pool.end();
    throw new EveraiError('EVERAI_STORE_UNREACHABLE', `cannot use the PostgreSQL store at ${shownUrl(url)}: ${(error as Error).message}`, { cause: error });
  }
  return new SqlStore(new PostgresDatabase(pool), () => new PostgresLease(url.href, CONTROLLER_LOCK));
}
