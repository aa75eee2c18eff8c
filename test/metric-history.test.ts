import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PlatformMetrics } from '../src/server/metrics/metrics';
import { MetricHistory, quantileBetween } from '../src/server/metrics/metric-history';

// The console's charts: an hour of each app's samples, from the request histogram /metrics serves.

function served(metrics: PlatformMetrics, route: string, seconds: number, times = 1): void {
  for (let i = 0; i < times; i++) metrics.requestServed({ method: 'GET', status: 200, note: { app: 'default/shared', route }, seconds });
}

test('quantiles interpolate inside the bucket of the requests between two readings', () => {
  const buckets = (pairs: [number, number][]) => new Map(pairs);
  const before = { count: 10, buckets: buckets([[0.1, 10], [1, 10], [Infinity, 10]]) };
  const now = { count: 20, buckets: buckets([[0.1, 10], [1, 20], [Infinity, 20]]) };
  // The 10 new requests all fell in (0.1, 1]: the median sits half-way through it.
  assert.equal(quantileBetween(0.5, before, now), 0.55);
  assert.equal(quantileBetween(0.5, now, now), null, 'no request in between');
  const slow = { count: 21, buckets: buckets([[0.1, 10], [1, 20], [Infinity, 21]]) };
  assert.equal(quantileBetween(0.99, now, slow), 1, 'past the last bound: the last finite bound');
});

test('samples are kept per app id, so two apps sharing NAMESPACE/NAME never mix, and a deleted app drops out', async () => {
  const metrics = new PlatformMetrics();
  let apps = [
    { id: 'a1', routeName: 'r-one', queued: 0 },
    { id: 'a2', routeName: 'r-two', queued: 3 },
  ];
  const history = new MetricHistory(
    { requestTotals: () => metrics.requestTotalsByRoute(), apps: () => apps, liveWorkers: async () => [{ appId: 'a1' }, { appId: 'a1' }, { appId: 'a2' }] },
    (error) => assert.fail(String(error)),
  );
  const start = Date.parse('2026-01-01T00:00:00Z');
  served(metrics, 'r-one', 0.02, 4);
  await history.sample(start);
  served(metrics, 'r-one', 0.02, 10);
  await history.sample(start + 5000);

  const [first, second] = history.of('a1');
  assert.deepEqual(first, { at: '2026-01-01T00:00:00.000Z', requestsPerSecond: 0, p50Ms: null, p99Ms: null, queueLength: 0, workers: 2 });
  assert.equal(second?.requestsPerSecond, 2, '10 requests in 5 s');
  assert.ok(second.p50Ms !== null && second.p50Ms > 10 && second.p50Ms <= 25, `p50 ${second.p50Ms} ms is inside the 10-25 ms bucket`);
  const other = history.of('a2').at(-1);
  assert.deepEqual([other?.requestsPerSecond, other?.p50Ms, other?.queueLength, other?.workers], [0, null, 3, 1]);

  apps = apps.slice(0, 1);
  await history.sample(start + 10_000);
  assert.deepEqual(history.of('a2'), []);
  assert.equal(history.of('a1').length, 3);
  await history.sample(start + 3600_000 + 7000);
  assert.deepEqual(history.of('a1').map((s) => s.at), ['2026-01-01T00:00:10.000Z', '2026-01-01T01:00:07.000Z'], 'an hour is kept');
});
