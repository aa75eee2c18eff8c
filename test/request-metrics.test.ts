import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PlatformMetrics } from '../src/server/metrics/metrics';

// The request metrics count each request once, under its own labels, whatever order requests of
// different apps, methods and statuses come in, and across scrapes.

/** The value of a series in the exposition, 0 when it is not there. */
function valueOf(body: string, series: string): number {
  const line = body.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

test('each request counts under its labels, in any order and across scrapes', async () => {
  const metrics = new PlatformMetrics();
  const served = (app: string, method: string, status: number) => metrics.requestServed({ method, status, note: { app, route: app.split('/')[1] as string }, seconds: 0.002 });
  served('default/a', 'GET', 200);
  served('default/a', 'GET', 200);
  served('default/a', 'GET', 500);
  served('default/a', 'GET', 200);
  served('default/b', 'GET', 200);
  served('default/a', 'POST', 200);
  let body = (await metrics.exposition()).body;
  const count = (app: string, method: string, code: number) => valueOf(body, `everai_requests_total{app="${app}",route="${app.split('/')[1]}",method="${method}",code="${code}"}`);
  const timed = (app: string, method: string) => valueOf(body, `everai_request_duration_seconds_count{app="${app}",route="${app.split('/')[1]}",method="${method}"}`);
  assert.deepEqual([count('default/a', 'GET', 200), count('default/a', 'GET', 500), count('default/b', 'GET', 200), count('default/a', 'POST', 200)], [3, 1, 1, 1]);
  assert.deepEqual([timed('default/a', 'GET'), timed('default/b', 'GET'), timed('default/a', 'POST')], [4, 1, 1]);
  // After a scrape, the same label set as the last request before it.
  served('default/a', 'POST', 200);
  served('default/a', 'GET', 200);
  body = (await metrics.exposition()).body;
  assert.deepEqual([count('default/a', 'GET', 200), count('default/a', 'POST', 200)], [4, 2]);
  assert.deepEqual([timed('default/a', 'GET'), timed('default/a', 'POST')], [5, 2]);
  // A request that named no app (an unknown route) is not counted.
  metrics.requestServed({ method: 'GET', status: 404, note: {}, seconds: 0 });
  body = (await metrics.exposition()).body;
  assert.doesNotMatch(body, /code="404"/);
});
