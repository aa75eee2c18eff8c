/**
 * The narrow part of better-sqlite3 this store calls, so the store does not depend on the whole
 * client type and a test or another driver can stand in for it.
 */
export interface SqliteStatement {
  run(...params: unknown[]): { changes: number };
  all(...params: unknown[]): unknown[];
}

export interface SqliteClient {
  prepare(sql: string): SqliteStatement;
  exec(sql: string): void;
  pragma(sql: string, options?: { simple: boolean }): unknown;
  close(): void;
}

/** Opens the file; `prepare` is cached per SQL text, since preparing costs more than running on hot paths (token checks). */
export function openSqlite(file: string): SqliteClient {
  // Loaded here so that nothing outside this folder names the driver.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Database = require('better-sqlite3') as new (file: string) => SqliteClient;
  const db = new Database(file);
  const statements = new Map<string, SqliteStatement>();
  return {
    exec: (sql) => db.exec(sql),
    pragma: (sql, options) => db.pragma(sql, options),
    close: () => db.close(),
    prepare: (sql) => {
      let statement = statements.get(sql);
      if (!statement) {
        statement = db.prepare(sql);
        statements.set(sql, statement);
      }
      return statement;
    },
  };
}
