import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { appJson, copyExampleApp, deployApp } from './helpers/app-fixture';
import { usePlatform } from './helpers/platform';
import { addUser, httpAs } from './helpers/users';
import { push, volumeJson, volumeOk, writeFiles } from './helpers/volumes';

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

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of a text exposition (prometheus.io/docs/instrumenting/exposition_formats); our label values hold no `"` or `,`. */
function parseExposition(text: string): Sample[] {
  return text
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      assert.ok(match, `not a sample line: ${line}`);
      const labels = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1] as string, m[2] as string]));
      return { name: match[1] as string, labels, value: Number(match[3]) };
    });
}

/** The one sample of `name` whose labels include `labels`. */
function sample(samples: Sample[], name: string, labels: Record<string, string>): number | undefined {
  const found = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  assert.ok(found.length <= 1, `${name} ${JSON.stringify(labels)} matches ${found.length} series`);
  return found[0]?.value;
}

async function scrape(token: string): Promise<Sample[]> {
  const res = await httpAs(platform, token)('GET', '/metrics');
  assert.equal(res.status, 200, await res.clone().text());
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  return parseExposition(await res.text());
}

test('the admin reads request counts, workers, cold starts and process metrics at /metrics', async () => {
  const { routeName } = await appJson(platform, 'get-start');
  const hello = httpAs(platform, platform.token);
  for (let i = 0; i < REQUESTS; i++) {
    const res = await hello('GET', `/api/apps/v1/routes/${routeName}/hello`);
    assert.equal(await res.text(), 'hello world');
  }
  const samples = await scrape(platform.token);
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

test('volume push and pull bytes are counted by direction', async () => {
  const content = 'weights, say\n'.repeat(100);
  await volumeOk(platform, ['volume', 'create', 'model']);
  writeFiles((await volumeJson(platform, 'model')).path, { 'weights.bin': content });
  await push(platform, 'model');
  await volumeOk(platform, ['volume', 'pull', 'model'], { root: mkdtempSync(join(platform.home, 'pulled-')) });
  const samples = await scrape(platform.token);
  // This file's only volume: each byte crossed once each way.
  assert.equal(sample(samples, 'everai_volume_bytes_total', { direction: 'push' }), Buffer.byteLength(content));
  assert.equal(sample(samples, 'everai_volume_bytes_total', { direction: 'pull' }), Buffer.byteLength(content));
});

test('the scrape token reads /metrics, and nothing else', async () => {
  const samples = await scrape(SCRAPE_TOKEN);
  assert.ok(samples.some((s) => s.name === 'everai_workers'));
  assert.equal((await httpAs(platform, SCRAPE_TOKEN)('GET', '/api/v1/whoami')).status, 401);
});

test('/metrics refuses a caller without a token (401) and a user who is not an admin (403)', async () => {
  assert.equal((await httpAs(platform, undefined)('GET', '/metrics')).status, 401);
  assert.equal((await httpAs(platform, 'not-a-token')('GET', '/metrics')).status, 401);
  assert.equal((await httpAs(platform, userToken)('GET', '/metrics')).status, 403);
});
