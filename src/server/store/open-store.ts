import { join } from 'node:path';
import { EveraiError } from '../../contract/errors';
import type { Store } from './store';

/**
 * The store `--store` (or EVERAI_STORE_URL) names: a `postgres://` URL, or nothing for the
 * embedded SQLite file in the data folder. Each driver is loaded only when chosen.
 */
export async function openStore(storeUrl: string | undefined, dataDir: string): Promise<Store> {
  if (storeUrl === undefined || storeUrl === '') {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { SqliteStore } = require('./sqlite/sqlite-store') as typeof import('./sqlite/sqlite-store');
    return new SqliteStore(join(dataDir, 'state.db'));
  }
  let url: URL | undefined;
  try {
    url = new URL(storeUrl);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') || url.hostname === '') {
    throw new EveraiError('EVERAI_USAGE', `--store wants a postgres://USER:PASSWORD@HOST:PORT/DATABASE URL (or nothing, for SQLite in the data folder), got '${storeUrl.replace(/:[^:@/]*@/, ':***@')}'`);
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { openPostgresStore } = require('./postgres/postgres-store') as typeof import('./postgres/postgres-store');
  return openPostgresStore(url);
}
