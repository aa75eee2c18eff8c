import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { QueueEntry } from '../../src/cli/views';
import { appJson, cliOk, editFile, workersJson } from './app-fixture';
import type { TestPlatform } from './platform';
import { waitFor } from './wait';

/** examples/autoscale's configmap values for the scenario: 1..3 workers, 3 s idle. */
export const BURST_ARGS = { min_workers: 1, max_workers: 3, max_queue_size: 1, scale_up_step: 1, max_idle_time: 3 };

/** examples/autoscale with numbers where its Placeholders are: the app then needs no configmap. */
export function useNumericArgs(dir: string, args: Record<string, number>): void {
  editFile(join(dir, 'app.ts'), (text) =>
    text.replace(/arg\('(\w+)'\)/g, (_, key: string) => String(args[key])).replace(/\n  configmapRequests: \[CONFIGMAP\],/, ''),
  );
}

/** Workers that run and stay (not draining, not ended). */
export async function servingWorkers(platform: TestPlatform, app: string): Promise<string[]> {
  const workers = await workersJson(platform, app, false);
  return workers.filter((w) => w.detailStatus !== 'DETAIL_STATUS_REMOVE').map((w) => w.id);
}

export function waitWorkerCount(platform: TestPlatform, app: string, count: number, timeoutMs = 60_000): Promise<string[]> {
  return waitFor(
    `${count} workers of ${app}`,
    async () => {
      const all = await workersJson(platform, app, false);
      const view = await appJson(platform, app);
      // Exactly `count` live workers, all ready, none draining.
      const ready = all.every((w) => w.status === 'STATUS_RUNNING' && /FREE|BUSY/.test(w.detailStatus));
      return all.length === count && ready && view.workers.desired === count ? all.map((w) => w.id) : undefined;
    },
    timeoutMs,
    300,
  );
}

/** `n` requests at once to the app's `/work`; resolves with each one's status and body. */
export function burst(platform: TestPlatform, app: string, n: number): Promise<{ status: number; body: string }[]> {
  const url = `${platform.url}/api/routes/v1/default/${app}/work`;
  return Promise.all(
    Array.from({ length: n }, async () => {
      const res = await fetch(url, { headers: { authorization: `Bearer ${platform.token}` } });
      return { status: res.status, body: await res.text() };
    }),
  );
}

/**
 * The scenario against a deployed examples/autoscale with BURST_ARGS: a burst of 10
 * queues as WorkerBusy, the app grows to 2–3 workers, all 10 are served, and it shrinks back to
 * one worker after the idle time.
 */
export async function burstScalesUpAndDown(platform: TestPlatform, app: string): Promise<void> {
  await waitWorkerCount(platform, app, 1);
  const answers = burst(platform, app, 10);
  let most = 0;
  let sawQueue = false;
  let done = false;
  void answers.finally(() => (done = true));
  while (!done) {
    most = Math.max(most, (await servingWorkers(platform, app)).length);
    if (!sawQueue) {
      const queue = JSON.parse(await cliOk(platform, ['app', 'queue', app, '-o', 'json'])) as QueueEntry[];
      sawQueue = queue.some((q) => q.reason === 'WorkerBusy');
      if (sawQueue) assert.match(await cliOk(platform, ['app', 'queue', app]), /^QUEUE_INDEX\s+CREATE_AT\s+QUEUE_REASON\n/);
    }
  }
  const served = await answers;
  assert.deepEqual(served.map((a) => a.status), Array(10).fill(200), 'every request of the burst is served');
  assert.ok(served.every((a) => a.body.startsWith('served by ')));
  assert.ok(sawQueue, 'app queue showed requests waiting with QUEUE_REASON WorkerBusy');
  assert.ok(most >= 2 && most <= 3, `the app grew to 2–3 workers (saw at most ${most})`);
  assert.ok(new Set(served.map((a) => a.body)).size >= 2, 'more than one worker served the burst');

  // Idle for max_idle_time (3 s): back to min_workers, the extra workers drained and TERMINATED.
  await waitWorkerCount(platform, app, 1);
  const events = await cliOk(platform, ['app', 'events', app]);
  assert.match(events, /NORMAL\s+Autoscaler\s+\S+\s+Scale up: 1 -> 2 workers: \d+ requests wait for a busy worker, more than maxQueueSize 1/);
  assert.match(events, /NORMAL\s+Autoscaler\s+\S+\s+Scale down: \d -> \d workers \(.+\): \d workers idle for 3 s or more/);
}
