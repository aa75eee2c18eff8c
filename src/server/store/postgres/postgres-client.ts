/**
 * The narrow part of `pg` this store calls, so nothing else depends on the whole client type.
 * `pg` is loaded in `loadPg` only, so a server on SQLite never loads it.
 */
export interface PgResult {
  rows: Record<string, unknown>[];
  rowCount: number | null;
}

export interface PgQueryable {
  query(sql: string, params?: readonly unknown[]): Promise<PgResult>;
}

export interface PgPoolClient extends PgQueryable {
  release(error?: Error): void;
}

export interface PgPool extends PgQueryable {
  connect(): Promise<PgPoolClient>;
  end(): Promise<void>;
  on(event: 'error', listener: (error: Error) => void): void;
}

export interface PgClient extends PgQueryable {
  connect(): Promise<void>;
  end(): Promise<void>;
  on(event: 'error' | 'end', listener: (error?: Error) => void): void;
}

interface PgConfig {
  connectionString: string;
  /** Fails a connection attempt after this long instead of the OS's minutes. */
  connectionTimeoutMillis: number;
  types: { getTypeParser(oid: number, format?: string): (value: string) => unknown };
}

interface PgModule {
  Pool: new (config: PgConfig & { max: number }) => PgPool;
  Client: new (config: PgConfig) => PgClient;
  types: { getTypeParser(oid: number, format?: string): (value: string) => unknown };
}

const INT8_OID = 20;

export function loadPg(): PgModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('pg') as PgModule;
}

/**
 * BIGINT (counts, sizes, `count(*)`) comes back as a number, as SQLite gives it: every value the
 * store keeps is far below 2^53. Set per connection, not on pg's global parsers.
 */
export function pgConfig(pg: PgModule, connectionString: string): PgConfig {
  return {
    connectionString,
    connectionTimeoutMillis: 5000,
    types: { getTypeParser: (oid, format) => (oid === INT8_OID ? Number : pg.types.getTypeParser(oid, format)) },
  };
}
