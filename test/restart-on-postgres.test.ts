import { test } from 'node:test';
import { PG_SKIP } from './helpers/postgres';

// test/restart.test.ts once more, its server on PostgreSQL (a database of its own on EVERAI_TEST_PG_URL).
if (PG_SKIP) {
  test('restart.test.ts on PostgreSQL', { skip: PG_SKIP }, () => undefined);
} else {
  process.env.EVERAI_TEST_STORE = 'postgres';
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require('./restart.test');
}
