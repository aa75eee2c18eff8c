import { UniqueViolation, type SqlConnection, type SqlDatabase, type SqlRow } from '../sql/sql-connection';
import type { SqliteClient } from './sqlite-driver';

const UNIQUE_CODES = new Set(['SQLITE_CONSTRAINT_UNIQUE', 'SQLITE_CONSTRAINT_PRIMARYKEY']);

/**
 * SQLite's one connection as a SqlDatabase. A transaction holds the connection until it ends:
 * every call from another flow meanwhile waits for its COMMIT or ROLLBACK (a per-store async
 * mutex). A second connection would let those calls run at once, but SQLite allows one writer
 * anyway, so they would wait on its busy timeout instead, and a read would not see the
 * transaction's writes until then either; the mutex is simpler and waits no longer.
 */
export class SqliteDatabase implements SqlDatabase {
  /** Settles when the open transaction ends; undefined while none is open. */
  private current: Promise<void> | undefined;

  constructor(private readonly client: SqliteClient) {}

  async all(sql: string, params: readonly unknown[] = []): Promise<SqlRow[]> {
    // A loop, and no await between it and the statement: another waiter woken by the same end
    // may have opened the next transaction first.
    while (this.current) await this.current;
    return this.allNow(sql, params);
  }

  async run(sql: string, params: readonly unknown[] = []): Promise<number> {
    while (this.current) await this.current;
    return this.runNow(sql, params);
  }

  async transaction<T>(work: (connection: SqlConnection) => Promise<T>): Promise<T> {
    while (this.current) await this.current;
    let end = (): void => undefined;
    this.current = new Promise((resolve) => (end = resolve));
    let open = true;
    const ended = () => new Error('this transaction has ended: its handle may not be used after it');
    const tx: SqlConnection = {
      all: async (sql, params = []) => {
        if (!open) throw ended();
        return this.allNow(sql, params);
      },
      run: async (sql, params = []) => {
        if (!open) throw ended();
        return this.runNow(sql, params);
      },
    };
    try {
      this.client.exec('BEGIN IMMEDIATE');
      try {
        const result = await work(tx);
        this.client.exec('COMMIT');
        return result;
      } catch (error) {
        this.client.exec('ROLLBACK');
        throw error;
      }
    } finally {
      open = false;
      this.current = undefined;
      end();
    }
  }

  async close(): Promise<void> {
    while (this.current) await this.current;
    this.client.close();
  }

  private allNow(sql: string, params: readonly unknown[]): SqlRow[] {
    return this.client.prepare(sql).all(...params) as SqlRow[];
  }

  private runNow(sql: string, params: readonly unknown[]): number {
    try {
      return this.client.prepare(sql).run(...params).changes;
    } catch (error) {
      if (UNIQUE_CODES.has((error as { code?: string }).code ?? '')) throw new UniqueViolation(error);
      throw error;
    }
  }
}
