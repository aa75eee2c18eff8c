import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { EventRetention } from '../src/server/events/event-retention';
import { SqliteStore } from '../src/server/store/sqlite/sqlite-store';
import { capturedLogger } from './helpers/logger';

// `app events` are kept for a bounded time, and listed newest first (docs/events.md), on a real SQLite store.

const dir = mkdtempSync(join(tmpdir(), 'everai-events-'));
const store = new SqliteStore(join(dir, 'state.db'));
after(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const HOUR_MS = 3600_000;

test('events past the retention age are dropped; the rest stay, newest first', async () => {
  await store.events.add('app-1', 'NORMAL', 'AppServer', 'App created with revision 1');
  await store.events.add('app-1', 'NORMAL', 'Autoscaler', 'Scale up: 1 -> 3 workers: 3 requests queued because every worker is busy');
  const retention = new EventRetention(store, HOUR_MS, capturedLogger().log);
  assert.equal(await retention.prune(), 0);
  assert.deepEqual(
    (await store.events.list('app-1', 10)).map((e) => `${e.from}: ${e.message}`),
    ['Autoscaler: Scale up: 1 -> 3 workers: 3 requests queued because every worker is busy', 'AppServer: App created with revision 1'],
  );
  // Two hours later, both are past an hour's retention.
  assert.equal(await retention.prune(Date.now() + 2 * HOUR_MS), 2);
  assert.deepEqual(await store.events.list('app-1', 10), []);
});
