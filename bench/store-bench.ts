import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderTable } from '../src/cli/output';
import { readPassSnapshot } from '../src/server/controller/pass-snapshot';
import { openStore } from '../src/server/store/open-store';
import type { Store } from '../src/server/store/store';
import { createTestDatabase, TEST_PG_URL } from '../test/helpers/postgres';
import { addUser, app, worker } from '../test/helpers/store-records';
import { median } from './stats';

/**
 * The state store on each backend, in one run, with the same data: 100 apps of 3 live workers and
 * 30 finished ones each (a week of churn, before retention prunes it).
 * - `worker list`: the query behind `everai worker list APP` (every worker of one app);
 * - a controller pass: what one reconcile pass of a steady platform reads (`readPassSnapshot` in
 *   src/server/controller/pass-snapshot.ts): the app list and every live worker, one read each.
 * PostgreSQL runs when EVERAI_TEST_PG_URL names a server (`source .ci/postgres.sh` starts one).
 */

const APPS = 100;
const LIVE = 3;
const FINISHED = 30;
const LIST_SAMPLES = 200;
const PASS_SAMPLES = 20;
const TARGET_RATIO = 2;

async function fill(store: Store): Promise<string[]> {
  const owner = await addUser(store, 'bench');
  const appIds: string[] = [];
  for (let i = 0; i < APPS; i++) {
    const record = app(owner, `app-${i}`);
    await store.apps.create(record);
    for (let w = 0; w < LIVE + FINISHED; w++) {
      const row = worker(record.id);
      await store.workers.create(w < LIVE ? { ...row, status: 'RUNNING', phase: 'READY' } : { ...row, status: 'TERMINATED', deletedAt: row.createdAt });
    }
    appIds.push(record.id);
  }
  return appIds;
}

async function timed(samples: number, work: (i: number) => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    const started = performance.now();
    await work(i);
    times.push(performance.now() - started);
  }
  return median(times);
}

async function measure(store: Store): Promise<{ listMs: number; passMs: number }> {
  const appIds = await fill(store);
  const listMs = await timed(LIST_SAMPLES, (i) => store.workers.listByApp(appIds[i % APPS] as string));
  const passMs = await timed(PASS_SAMPLES, () => readPassSnapshot(store));
  return { listMs, passMs };
}

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'everai-store-bench-'));
  const sqlite = await openStore(undefined, dir);
  let figures: { sqlite: { listMs: number; passMs: number }; postgres?: { listMs: number; passMs: number } };
  try {
    figures = { sqlite: await measure(sqlite) };
  } finally {
    await sqlite.close();
    rmSync(dir, { recursive: true, force: true });
  }
  if (TEST_PG_URL) {
    const database = await createTestDatabase();
    const postgres = await openStore(database.url, dir);
    try {
      figures.postgres = await measure(postgres);
    } finally {
      await postgres.close();
      await database.drop();
    }
  }

  const rows = [
    { what: `worker list of one app (${LIVE + FINISHED} rows), SQLite`, ms: figures.sqlite.listMs, ratio: 1 },
    { what: `controller pass over ${APPS} apps, SQLite`, ms: figures.sqlite.passMs, ratio: 1 },
  ];
  if (figures.postgres) {
    rows.push(
      { what: 'worker list of one app, PostgreSQL', ms: figures.postgres.listMs, ratio: figures.postgres.listMs / figures.sqlite.listMs },
      { what: `controller pass over ${APPS} apps, PostgreSQL`, ms: figures.postgres.passMs, ratio: figures.postgres.passMs / figures.sqlite.passMs },
    );
  }
  console.log(`State store: ${APPS} apps, ${LIVE} live and ${FINISHED} finished workers each; medians.`);
  console.log(
    renderTable(rows, [
      { header: 'WHAT', value: (r) => r.what },
      { header: 'MS', value: (r) => r.ms.toFixed(3) },
      { header: 'RATIO_TO_SQLITE', value: (r) => r.ratio.toFixed(2) },
    ]),
  );
  if (!figures.postgres) {
    console.log('PostgreSQL: not measured (EVERAI_TEST_PG_URL is not set; `source .ci/postgres.sh` starts a throwaway server)');
    return;
  }
  const worst = Math.max(figures.postgres.listMs / figures.sqlite.listMs, figures.postgres.passMs / figures.sqlite.passMs);
  console.log(`Target: PostgreSQL within ${TARGET_RATIO}x of SQLite: worst ${worst.toFixed(2)}x  ${worst <= TARGET_RATIO ? 'met' : 'MISSED'}`);
}
