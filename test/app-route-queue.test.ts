import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AppRoute } from '../src/server/gateway/node/app-route';
import { appRecord, unitSlot } from './helpers/app-route';

// A client that went away must not hold a place in the queue: not while it waits, and not at all
// when it was gone before it got there.

const LONG = 60_000;

/** How a promise stands once everything already due has run: settled or still waiting. */
function settledNow(promise: Promise<unknown>): Promise<string> {
  return Promise.race([
    promise.then(
      () => 'served',
      (error: Error) => `rejected: ${error.message}`,
    ),
    new Promise<string>((resolve) => setImmediate(() => resolve('still waiting'))),
  ]);
}

test('a request whose client already went away takes no worker and never enters the queue', async () => {
  const route = new AppRoute(appRecord());
  const gone = AbortSignal.abort();
  // No worker at all: it would have queued as NotDispatch for the whole timeout.
  const waiting = route.acquire(undefined, LONG, gone);
  assert.equal(route.queued().length, 0);
  assert.equal(await settledNow(waiting), 'rejected: client went away');

  // A free worker: it is not taken for a client that is gone.
  const slot = unitSlot('w1');
  route.addSlot(slot);
  assert.equal(await settledNow(route.acquire(undefined, LONG, gone)), 'rejected: client went away');
  assert.equal(slot.inflight, 0);
  await slot.close();
});

test('a queued request leaves the queue as soon as its client goes away', async () => {
  const route = new AppRoute(appRecord());
  const slot = unitSlot('w1');
  route.addSlot(slot);
  const held = await route.acquire(undefined, LONG, new AbortController().signal);

  const client = new AbortController();
  const waiting = route.acquire(undefined, LONG, client.signal);
  const behind = route.acquire(undefined, LONG, new AbortController().signal);
  assert.deepEqual(route.queued().map((q) => q.reason), ['WorkerBusy', 'WorkerBusy']);

  client.abort();
  assert.equal(route.queued().length, 1, 'the aborted request left the queue at once');
  assert.equal(await settledNow(waiting), 'rejected: client went away');

  // The one behind it is next in line: the worker's place goes to it, not to the aborted one.
  route.release(held, true);
  assert.equal(await behind, slot);
  assert.equal(route.queued().length, 0);
  route.release(slot, true);
  await slot.close();
});
