/**
 * What the shared SQL store needs from a database, and nothing more: each dialect (SQLite,
 * PostgreSQL) implements it over its own client, so the store's queries are written once.
 * Parameters are positional `?`; a driver whose client wants another style rewrites them.
 * The SQL is kept to what both dialects read the same way (ON CONFLICT, subqueries, LIMIT).
 */
export type SqlRow = Record<string, unknown>;

export interface SqlConnection {
  all(sql: string, params?: readonly unknown[]): Promise<SqlRow[]>;
  /** Returns how many rows the statement changed. */
  run(sql: string, params?: readonly unknown[]): Promise<number>;
}

export interface SqlDatabase extends SqlConnection {
  /**
   * Runs `work` on a connection of its own inside BEGIN..COMMIT (ROLLBACK when it throws). Calls on
   * the database itself meanwhile are not part of it: they run beside it (PostgreSQL's pool) or
   * wait for it to end (SQLite's single connection).
   */
  transaction<T>(work: (connection: SqlConnection) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/**
 * A UNIQUE or PRIMARY KEY constraint refused a row. Drivers turn their own error into this one so
 * the store can answer EVERAI_CONFLICT (409) whatever the dialect, never a 500.
 */
export class UniqueViolation extends Error {
  constructor(cause: unknown) {
    super('a unique constraint refused the row', { cause });
    this.name = 'UniqueViolation';
  }
}
