import { UniqueViolation, type SqlConnection, type SqlDatabase, type SqlRow } from '../sql/sql-connection';
import type { PgPool, PgQueryable } from './postgres-client';

const UNIQUE_VIOLATION = '23505';

/** `?` to `$1, $2...`; the store's SQL has no `?` inside a string literal. */
function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

function connection(client: PgQueryable): SqlConnection {
  const query = async (sql: string, params: readonly unknown[]) => {
    try {
      return await client.query(numbered(sql), params);
    } catch (error) {
      if ((error as { code?: string }).code === UNIQUE_VIOLATION) throw new UniqueViolation(error);
      throw error;
    }
  };
  return {
    all: async (sql, params = []) => (await query(sql, params)).rows,
    run: async (sql, params = []) => (await query(sql, params)).rowCount ?? 0,
  };
}

/**
 * A connection pool as a SqlDatabase: a transaction takes a connection of its own from the pool,
 * so calls on the database meanwhile run beside it on others, and never inside it.
 * Transactions are READ COMMITTED: a check-then-insert that races another is settled by the
 * table's unique constraint (EVERAI_CONFLICT), not by the check.
 */
export class PostgresDatabase implements SqlDatabase {
  private readonly shared: SqlConnection;

  constructor(private readonly pool: PgPool) {
    this.shared = connection(pool);
  }

  all(sql: string, params?: readonly unknown[]): Promise<SqlRow[]> {
    return this.shared.all(sql, params);
  }

  run(sql: string, params?: readonly unknown[]): Promise<number> {
    return this.shared.run(sql, params);
  }

  async transaction<T>(work: (connection: SqlConnection) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let open = true;
    const own = connection(client);
    const ended = () => new Error('this transaction has ended: its handle may not be used after it');
    const tx: SqlConnection = {
      all: (sql, params) => (open ? own.all(sql, params) : Promise.reject(ended())),
      run: (sql, params) => (open ? own.run(sql, params) : Promise.reject(ended())),
    };
    try {
      await client.query('BEGIN');
      const result = await work(tx);
      await client.query('COMMIT');
      client.release();
      return result;
    } catch (error) {
      // A connection whose ROLLBACK failed is broken: the pool drops it instead of reusing it.
      await client.query('ROLLBACK').then(
        () => client.release(),
        (rollbackError: Error) => client.release(rollbackError),
      );
      throw error;
    } finally {
      open = false;
    }
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}
