import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Histogram, Registry } from 'prom-client';
import { BulkHistogram } from '../src/server/metrics/bulk-histogram';

// The request histograms are our own, for speed: a scrape must read them exactly as it read
// prom-client's.

test("a bulk histogram is exposed exactly as prom-client's histogram with the same observations", async () => {
  const ours = new Registry();
  const theirs = new Registry();
  const buckets = [0.005, 0.1, 1];
  const bulk = new BulkHistogram('t_seconds', 'How long.', ['app', 'method'] as const, buckets, ours);
  const reference = new Histogram({ name: 't_seconds', help: 'How long.', labelNames: ['app', 'method'] as const, buckets, registers: [theirs] });
  const observations: [Record<'app' | 'method', string>, number][] = [
    [{ app: 'default/a', method: 'GET' }, 0],
    [{ app: 'default/a', method: 'GET' }, 0.005],
    [{ app: 'default/a', method: 'GET' }, 0.3],
    [{ app: 'default/b', method: 'POST' }, 7],
    [{ app: 'default/a', method: 'GET' }, 1],
  ];
  for (const [labels, value] of observations) {
    bulk.observe(labels, value);
    reference.observe(labels, value);
  }
  assert.equal(await ours.metrics(), await theirs.metrics());
  ours.resetMetrics();
  theirs.resetMetrics();
  assert.equal(await ours.metrics(), await theirs.metrics());
});
