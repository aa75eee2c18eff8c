import { randomBytes } from 'node:crypto';
import { loadPg, pgConfig } from '../../src/server/store/postgres/postgres-client';

/** The cluster the PostgreSQL tests use (.ci/postgres.sh starts one); unset: they skip. */
export const TEST_PG_URL = process.env.EVERAI_TEST_PG_URL;

export const PG_SKIP = TEST_PG_URL ? false : 'EVERAI_TEST_PG_URL is not set (.ci/postgres.sh starts a throwaway cluster and sets it)';

export interface TestDatabase {
  url: string;
  /** Drops it, ending every connection still on it (a killed server's included). */
  drop(): Promise<void>;
}

async function admin(sql: string): Promise<void> {
  const pg = loadPg();
  const client = new pg.Client(pgConfig(pg, TEST_PG_URL ?? ''));
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** A database of its own, with a random name, on the test cluster: each store or server gets one. */
export async function createTestDatabase(): Promise<TestDatabase> {
  if (!TEST_PG_URL) throw new Error(String(PG_SKIP));
  const name = `everai_test_${randomBytes(6).toString('hex')}`;
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(TEST_PG_URL);
  url.pathname = `/${name}`;
  return { url: url.href, drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}
