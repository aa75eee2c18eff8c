import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { appJson, copyExampleApp, deployApp } from './helpers/app-fixture';
import { sample, scrape } from './helpers/metrics';
import { usePlatform } from './helpers/platform';
import { addUser, httpAs } from './helpers/users';
import { push, volumeJson, volumeOk, writeFiles } from './helpers/volumes';
import { waitFor } from './helpers/wait';

// What a Prometheus scraping `everai server` sees: the platform's own series, in the text format,
// for the admin or the server's scrape token, and for nobody else.

const SCRAPE_TOKEN = 'scrape-secret';
const REQUESTS = 3;
let userToken = '';

const platform = usePlatform({
  serverArgs: ['--metrics-token', SCRAPE_TOKEN],
  setup: async () => {
    await deployApp(platform, copyExampleApp(platform));
    userToken = await addUser(platform, 'alice');
  },
});

test('the admin reads request counts, workers, cold starts and process metrics at /metrics', async () => {
  const { routeName } = await appJson(platform, 'get-start');
  const hello = httpAs(platform, platform.token);
  for (let i = 0; i < REQUESTS; i++) {
    const res = await hello('GET', `/api/apps/v1/routes/${routeName}/hello`);
    assert.equal(await res.text(), 'hello world');
  }
  const samples = await scrape(platform);
  const app = 'default/get-start';
  // The route label is the app's route name, never the path (/hello) a request asked for.
  const served = sample(samples, 'everai_requests_total', { app, route: routeName, method: 'GET', code: '200' });
  assert.ok(served !== undefined && served >= REQUESTS, `everai_requests_total is ${served}`);
  assert.ok(samples.every((s) => !Object.values(s.labels).some((v) => v.includes('/hello'))), 'a label holds a raw path');
  const timed = sample(samples, 'everai_request_duration_seconds_count', { app, route: routeName, method: 'GET' });
  assert.ok(timed !== undefined && timed >= REQUESTS);
  assert.ok((sample(samples, 'everai_queue_wait_seconds_count', { app }) ?? 0) >= REQUESTS);
  assert.equal(sample(samples, 'everai_queue_length', { app, reason: 'WorkerBusy' }), 0);
  assert.equal(sample(samples, 'everai_workers', { app, status: 'RUNNING' }), 1);
  assert.ok((sample(samples, 'everai_cold_start_seconds_count', { app }) ?? 0) >= 1);
  assert.ok((sample(samples, 'everai_rollout_duration_seconds_count', { app }) ?? 0) >= 1);
  assert.ok(sample(samples, 'process_cpu_seconds_total', {}) !== undefined);
});

test('a request waiting for the busy worker is in everai_queue_length until it gets one', async () => {
  const { routeName } = await appJson(platform, 'get-start');
  const app = 'default/get-start';
  const get = httpAs(platform, platform.token);
  const waitsBefore = sample(await scrape(platform), 'everai_queue_wait_seconds_count', { app }) ?? 0;
  // The app takes one request at a time: a stream of a few seconds holds its one worker.
  const sse = `/api/apps/v1/routes/${routeName}/sse?n=3&delay=1000`;
  const first = get('GET', sse);
  const second = get('GET', sse);
  await waitFor('a request in the queue', async () => sample(await scrape(platform), 'everai_queue_length', { app, reason: 'WorkerBusy' }) === 1);
  for (const answer of await Promise.all([first, second])) assert.equal(await answer.text(), 'hello again 0\n\nhello again 1\n\nhello again 2\n\n');
  const samples = await scrape(platform);
  assert.equal(sample(samples, 'everai_queue_length', { app, reason: 'WorkerBusy' }), 0);
  assert.equal(sample(samples, 'everai_queue_wait_seconds_count', { app }), waitsBefore + 2);
});

test('volume push and pull bytes are counted by direction', async () => {
  const content = 'weights, say\n'.repeat(100);
  await volumeOk(platform, ['volume', 'create', 'model']);
  writeFiles((await volumeJson(platform, 'model')).path, { 'weights.bin': content });
  await push(platform, 'model');
  await volumeOk(platform, ['volume', 'pull', 'model'], { root: mkdtempSync(join(platform.home, 'pulled-')) });
  const samples = await scrape(platform);
  // This file's only volume: each byte crossed once each way.
  assert.equal(sample(samples, 'everai_volume_bytes_total', { direction: 'push' }), Buffer.byteLength(content));
  assert.equal(sample(samples, 'everai_volume_bytes_total', { direction: 'pull' }), Buffer.byteLength(content));
});

test('the scrape token reads /metrics, and nothing else', async () => {
  const samples = await scrape(platform, SCRAPE_TOKEN);
  assert.ok(samples.some((s) => s.name === 'everai_workers'));
  assert.equal((await httpAs(platform, SCRAPE_TOKEN)('GET', '/api/v1/whoami')).status, 401);
});

test('/metrics refuses a caller without a token (401) and a user who is not an admin (403)', async () => {
  assert.equal((await httpAs(platform, undefined)('GET', '/metrics')).status, 401);
  assert.equal((await httpAs(platform, 'not-a-token')('GET', '/metrics')).status, 401);
  assert.equal((await httpAs(platform, userToken)('GET', '/metrics')).status, 403);
});
