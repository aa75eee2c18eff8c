import assert from 'node:assert/strict';
import { test } from 'node:test';
import { probeDelayMs } from '../src/server/controller/probe-schedule';

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
