import assert from 'node:assert/strict';
import { test } from 'node:test';
import { probeDelayMs, ProbeWait } from '../src/server/controller/probe-schedule';

// A starting worker is probed fast while a trivial app would become ready, then at the interval.

test('probes every 10 ms in the first second, then at the interval; never slower than the interval', () => {
  const cases: { since: number; interval: number; delay: number }[] = [
    { since: 0, interval: 100, delay: 10 },
    { since: 999, interval: 100, delay: 10 },
    { since: 1000, interval: 100, delay: 100 },
    { since: 60_000, interval: 100, delay: 100 },
    { since: 0, interval: 2, delay: 2 },
  ];
  for (const { since, interval, delay } of cases) assert.equal(probeDelayMs(since, interval), delay, `${since} ms in, interval ${interval}`);
});

// The worker's output cuts a wait short; the probe that follows still decides.

test('a nudge ends a wait long before its time, and one during a probe shortens the next wait', { timeout: 10_000 }, async () => {
  const wait = new ProbeWait();
  const signal = new AbortController().signal;
  const waiting = wait.wait(60_000, signal);
  wait.nudge();
  await waiting;
  // Nudged between two waits (while a probe runs): the next wait ends at once too, and only that one.
  wait.nudge();
  await wait.wait(60_000, signal);
  const stopper = new AbortController();
  const third = wait.wait(60_000, stopper.signal);
  let ended = false;
  void third.then(() => (ended = true));
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(ended, false, 'a wait with no nudge since the last one runs its course');
  stopper.abort();
  await third;
});
