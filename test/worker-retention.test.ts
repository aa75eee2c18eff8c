import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { newId } from '../src/contract/ids';
import { nowIso } from '../src/contract/time';
import { sweepWorkerFolders, WorkerRetention } from '../src/server/retention/worker-retention';
import type { WorkerRecord } from '../src/server/store/records';
import { SqliteStore } from '../src/server/store/sqlite/sqlite-store';
import { capturedLogger } from './helpers/logger';

// Finished workers are kept for a bounded time (docs/worker-lifecycle.md), and so are their
// folders under <data>/workers, on a real SQLite store.

const DAY_MS = 86_400_000;

/** A data folder of the test's own: its store and its `workers` folder. */
function dataFolder(t: TestContext): { dir: string; store: SqliteStore; workersDir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'everai-worker-retention-'));
  const store = new SqliteStore(join(dir, 'state.db'));
  t.after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { dir, store, workersDir: join(dir, 'workers') };
}

/** A worker record and its folder, with a log, as a runtime leaves one. */
async function addWorker(store: SqliteStore, workersDir: string, status: WorkerRecord['status'], deletedAt: string | null): Promise<string> {
  const id = newId();
  await store.workers.create({
    id,
    appId: 'app-1',
    revision: 1,
    status,
    phase: '',
    pid: null,
    port: null,
    replaceWorkerId: null,
    statusReason: '',
    createdAt: nowIso(),
    launchAt: null,
    deletedAt,
    lastServeAt: null,
    successCount: 0,
    failedCount: 0,
  });
  mkdirSync(join(workersDir, id), { recursive: true });
  writeFileSync(join(workersDir, id, 'output.log'), 'a line\n');
  return id;
}

test('the folder sweep removes the folders of workers the store does not have, and only those', async (t) => {
  const { dir, store, workersDir } = dataFolder(t);
  const kept = await addWorker(store, workersDir, 'TERMINATED', nowIso());
  const orphan = newId();
  mkdirSync(join(workersDir, orphan, 'rootfs', 'etc'), { recursive: true });
  writeFileSync(join(workersDir, orphan, 'output.log'), 'a line\n');

  assert.deepEqual(await sweepWorkerFolders(workersDir, store.workers), [orphan]);
  assert.deepEqual(readdirSync(workersDir), [kept]);
  assert.deepEqual(await sweepWorkerFolders(join(dir, 'no-workers-yet'), store.workers), [], 'no folder yet is nothing to sweep');
});

test('workers gone past the retention age go from the store and their folders with them; live ones stay', async (t) => {
  const { store, workersDir } = dataFolder(t);
  const retention = new WorkerRetention(store, workersDir, 7 * DAY_MS, capturedLogger().log);
  const gone = await addWorker(store, workersDir, 'ERROR', new Date(Date.now() - 8 * DAY_MS).toISOString());
  const recent = await addWorker(store, workersDir, 'TERMINATED', new Date(Date.now() - DAY_MS).toISOString());
  const running = await addWorker(store, workersDir, 'RUNNING', null);

  assert.equal(await retention.prune(), 1);
  assert.equal(await store.workers.get(gone), undefined);
  assert.ok(!existsSync(join(workersDir, gone)), 'the pruned worker folder went');
  assert.deepEqual(readdirSync(workersDir).sort(), [recent, running].sort());
  // A week on, the recent one is past the age too; the running one is never pruned.
  assert.equal(await retention.prune(Date.now() + 7 * DAY_MS), 1);
  assert.deepEqual(readdirSync(workersDir), [running]);
  assert.ok(await store.workers.get(running));
});
