import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AppRoute } from '../src/server/gateway/node/app-route';
import { MAX_SESSION_PINS, SESSION_TTL_MS, SessionPins } from '../src/server/gateway/node/session-pins';
import { appRecord, unitSlot } from './helpers/app-route';

// Session pins are what clients make them (any x-everai-session-id): they must go when idle for
// the TTL, stay under a cap, and leave with their worker, or the gateway's memory and every
// autoscaler look grow with every session ever seen.

const open = new AbortController().signal;

/** A route on workers w1 and w2 (concurrency 1), on a clock the test moves. */
function setup(maxPins?: number) {
  const clock = { now: 1_000_000 };
  const route = new AppRoute(appRecord(), new SessionPins({ now: () => clock.now, ...(maxPins === undefined ? {} : { maxPins }) }));
  route.addSlot(unitSlot('w1'));
  route.addSlot(unitSlot('w2'));
  /** One request of `sessionId`, served and ended: the id of the worker it went to. */
  const serve = async (sessionId: string | undefined): Promise<string> => {
    const slot = await route.acquire(sessionId, 1_000, open);
    route.release(slot, true);
    return slot.id;
  };
  const close = () => Promise.all(route.slots.map((s) => s.close()));
  return { clock, route, serve, close };
}

test('10,000 sessions are pinned while fresh, and all their pins are gone once idle for the TTL', async () => {
  const { clock, route, serve, close } = setup();
  for (let i = 0; i < 10_000; i++) await serve(`session-${i}`);
  assert.equal(route.pinnedSessions(), 10_000);
  assert.equal(route.sessionCount('w1') + route.sessionCount('w2'), 10_000);

  // One of them comes back half-way through the TTL: only it stays pinned.
  clock.now += SESSION_TTL_MS / 2;
  await serve('session-42');
  clock.now += SESSION_TTL_MS / 2 + 1;
  assert.equal(route.pinnedSessions(), 1);
  clock.now += SESSION_TTL_MS;
  assert.equal(route.pinnedSessions(), 0);
  assert.equal(route.sessionCount('w1') + route.sessionCount('w2'), 0);
  await close();
});

test('a pinned session goes back to its worker even when another is less busy', async () => {
  const { route, serve, close } = setup();
  // w1 is busy, so the session's first request goes to w2 and pins it there.
  const held = await route.acquire(undefined, 1_000, open);
  assert.equal(held.id, 'w1');
  assert.equal(await serve('sticky'), 'w2');
  route.release(held, true);
  // Both are free now: a request without a session takes w1, the session still w2.
  assert.equal(await serve(undefined), 'w1');
  for (let i = 0; i < 5; i++) assert.equal(await serve('sticky'), 'w2');
  assert.equal(route.sessionCount('w2'), 1);
  await close();
});

test('past the cap the least recently used pin goes, so a flood of ids cannot grow the pins', async () => {
  const { route, serve, close } = setup();
  for (let i = 0; i < MAX_SESSION_PINS + 500; i++) await serve(`flood-${i}`);
  assert.equal(route.pinnedSessions(), MAX_SESSION_PINS);
  await close();
});

test("a worker that leaves takes its pins with it, and the session's next request goes to any worker", async () => {
  const { route, serve, close } = setup();
  const held = await route.acquire(undefined, 1_000, open);
  assert.equal(await serve('on-w2'), 'w2');
  route.release(held, true);
  assert.equal(await serve('on-w1'), 'w1');

  await route.removeSlot('w2')?.close();
  assert.equal(route.pinnedSessions(), 1);
  assert.equal(route.sessionCount('w2'), 0);
  assert.equal(await serve('on-w2'), 'w1');
  assert.equal(route.sessionCount('w1'), 2);
  await close();
});
