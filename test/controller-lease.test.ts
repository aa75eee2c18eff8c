import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ControllerLeadership } from '../src/server/controller/controller-leadership';
import { PostgresLease } from '../src/server/store/postgres/postgres-lease';
import { ControllerHarness } from './helpers/controller-harness';
import { capturedLogger } from './helpers/logger';
import { createTestDatabase, PG_SKIP } from './helpers/postgres';
import { waitFor } from './helpers/wait';

// Two servers on one PostgreSQL database: only the holder of the advisory-lock lease runs the
// controller; the other waits, says so, and takes over once the holder is gone.

test('the second server waits for the controller lease and takes it over when the first goes', { skip: PG_SKIP }, async () => {
  const database = await createTestDatabase();
  const running: string[] = [];
  const server = (name: string) => {
    const { log, lines } = capturedLogger('text');
    const role = {
      start: async () => void running.push(name),
      stop: async () => void running.splice(running.indexOf(name), 1),
    };
    return { leadership: new ControllerLeadership(new PostgresLease(database.url, 'everai controller'), role, log, 50), lines };
  };
  const first = server('first');
  const second = server('second');
  try {
    await first.leadership.start();
    await second.leadership.start();
    assert.deepEqual(running, ['first']);
    assert.match(second.lines.join(''), /another server holds the controller lease: serving without the controller, waiting/);
    // The first goes: its lease's session ends, as a killed server's connection does.
    await first.leadership.stop();
    await waitFor('the second server to take the lease', async () => running.includes('second'), 10_000, 20);
    assert.deepEqual(running, ['second']);
    assert.match(second.lines.join(''), /holds the controller lease: running the controller/);
  } finally {
    await first.leadership.stop();
    await second.leadership.stop();
    await database.drop();
  }
});

test('a server without the lease starts no worker when its API wakes the controller; once it takes the lease, it does', async (t) => {
  const h = await ControllerHarness.start(1, { standby: true });
  t.after(() => h.close());
  // What `app create` or `app upgrade` on a standby does after writing the store.
  h.controller.wake();
  await h.quiesce();
  assert.deepEqual(h.runtime.launches, [], 'the lease holder starts the workers, not a standby');
  assert.deepEqual(await h.workers(), []);

  await h.controller.start();
  await h.waitWorkers('the worker running', (live) => live.length === 1 && live[0]?.status === 'RUNNING');
  assert.equal(h.runtime.launches.length, 1);
});
