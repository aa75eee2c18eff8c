/**
 * The narrow part of better-sqlite3 this store calls, so the store does not depend on the whole
 * client type and a test or another driver can stand in for it.
 */
export interface SqliteStatement {
  run(...params: unknown[]): { changes: number };
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
}

export interface SqliteDatabase {
  prepare(sql: string): SqliteStatement;
  exec(sql: string): void;
  pragma(sql: string, options?: { simple: boolean }): unknown;
  close(): void;
}

export function openSqlite(file: string): SqliteDatabase {
  // Loaded here so that nothing outside this folder names the driver.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Database = require('better-sqlite3') as new (file: string) => SqliteDatabase;
  return new Database(file);
}
