import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import type { QueueEntry } from '../src/cli/views';
import { appJson, cliOk, copyExampleApp, deployApp, editFile, workersJson } from './helpers/app-fixture';
import { useNumericArgs, waitWorkerCount } from './helpers/autoscale';
import { usePlatform } from './helpers/platform';
import { waitFor } from './helpers/wait';

/** examples/autoscale, deployed by the first test with minWorkers 0. */
let dir: string;
const platform = usePlatform();

test('minWorkers 0: the idle app runs no worker; a request then waits as NotDispatch while one starts, and is served', async (t) => {
  dir = copyExampleApp(platform, 'autoscale');
  useNumericArgs(dir, { min_workers: 0, max_workers: 1, max_queue_size: 1, scale_up_step: 1, max_idle_time: 2 });
  await deployApp(platform, dir, 'autoscale');

  // Idle 2 s: the last worker is drained and stopped; the app stays DEPLOYED with 0 of 0.
  await waitFor('no worker left', async () => (await workersJson(platform, 'autoscale', false)).length === 0, 60_000, 300);
  const idle = await appJson(platform, 'autoscale');
  assert.equal(idle.status, 'DEPLOYED');
  assert.deepEqual(idle.workers, { ready: 0, desired: 0, byStatus: { TERMINATED: 1 } });
  assert.match(await cliOk(platform, ['app', 'list']), /autoscale\s+default\s+DEPLOYED\s+0\/0/);
  assert.match(await cliOk(platform, ['app', 'events', 'autoscale']), /Scale down: 1 -> 0 workers/);
  const stopped = new Set((await workersJson(platform, 'autoscale')).map((w) => w.id));

  // The queue is watched through the API as `everai app queue` reads it, fast enough to see a cold start.
  const headers = { authorization: `Bearer ${platform.token}` };
  const reasons = new Set<string>();
  let answered = false;
  const watch = (async () => {
    while (!answered) {
      const res = await fetch(`${platform.url}/api/apps/v1/namespaces/default/apps/autoscale/queue`, { headers });
      for (const entry of ((await res.json()) as { queue: QueueEntry[] }).queue) reasons.add(entry.reason);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  const sent = Date.now();
  const res = await fetch(`${platform.url}/api/routes/v1/default/autoscale/work?ms=0`, { headers });
  // The gateway sends the headers with the answer's first byte: this is the time to first byte.
  const firstByteMs = Date.now() - sent;
  const body = await res.text();
  answered = true;
  await watch;
  t.diagnostic(`scale-to-zero: request to first byte ${firstByteMs} ms (a worker started for it)`);

  assert.equal(res.status, 200);
  assert.match(body, /^served by \S+/);
  assert.deepEqual([...reasons], ['NotDispatch'], 'the request waited as NotDispatch while its worker started');
  // Listed with the ended ones: idle 2 s once more, the worker may be stopped by the time the list is
  // read, and a list of live workers would then miss it.
  const started = (await workersJson(platform, 'autoscale')).filter((w) => !stopped.has(w.id));
  assert.equal(started.length, 1, 'one worker started for the request');
  assert.ok(body.includes(started[0]?.id as string), 'served by the worker started for it');
});

test('a request that waits past the app queue timeout gets 503 with Retry-After and a JSON error', async () => {
  editFile(join(dir, 'app.ts'), (text) => text.replace('minWorkers: 0,', 'minWorkers: 1,').replace('concurrency: 1,', 'concurrency: 1,\n  queueTimeoutSeconds: 1,'));
  await cliOk(platform, ['app', 'update'], dir);
  await waitWorkerCount(platform, 'autoscale', 1);

  const url = `${platform.url}/api/routes/v1/default/autoscale/work?ms=3000`;
  const headers = { authorization: `Bearer ${platform.token}` };
  // Two at once, each on a connection of its own.
  const [first, second] = await Promise.all([getOnNewConnection(url, headers), getOnNewConnection(url, headers)]);
  const answers = [first, second].sort((a, b) => a.status - b.status);
  assert.deepEqual(answers.map((r) => r.status), [200, 503]);
  const late = answers[1] as Answer;
  assert.equal(late.retryAfter, '5');
  assert.deepEqual((JSON.parse(late.body) as { error: { code: string; message: string } }).error, {
    code: 'EVERAI_QUEUE_TIMEOUT',
    message: "no worker of app 'autoscale' could take the request within 1 s",
  });
});

interface Answer {
  status: number;
  retryAfter: string | undefined;
  body: string;
}

async function getOnNewConnection(url: string, headers: Record<string, string>): Promise<Answer> {
  const agent = new Agent();
  try {
    const res = await request(url, { headers, dispatcher: agent });
    const retryAfter = res.headers['retry-after'];
    return { status: res.statusCode, retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : retryAfter, body: await res.body.text() };
  } finally {
    await agent.close();
  }
}

/** GET /work?ms=MS on `agent`: which worker served it. */
async function work(agent: Agent, ms: number): Promise<string | undefined> {
  const res = await request(`${platform.url}/api/routes/v1/default/autoscale/work?ms=${ms}`, { headers: { authorization: `Bearer ${platform.token}` }, dispatcher: agent });
  const body = await res.body.text();
  assert.equal(res.statusCode, 200, body);
  return /^served by (\S+)/.exec(body)?.[1];
}

test('steady short requests keep the one worker of an app at minWorkers 0, and its served count counts each', async () => {
  editFile(join(dir, 'app.ts'), (text) => text.replace('minWorkers: 1,', 'minWorkers: 0,').replace('\n  queueTimeoutSeconds: 1,', ''));
  await cliOk(platform, ['app', 'update'], dir);
  const agent = new Agent();
  try {
    const worker = await work(agent, 0);
    // 7 s of a request every 200 ms, each over at once: idle for maxIdleTime (2 s) the worker would go.
    const by = new Set<string | undefined>();
    let sent = 0;
    for (const until = Date.now() + 7000; Date.now() < until; sent++) {
      by.add(await work(agent, 0));
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    assert.deepEqual([...by], [worker], 'the worker that served the first request served them all');
    await waitFor(`worker list counts the ${sent + 1} requests`, async () => {
      const listed = (await workersJson(platform, 'autoscale', false)).find((w) => w.id === worker);
      return (listed?.successCount ?? 0) >= sent + 1;
    });
  } finally {
    await agent.close();
  }
});

test("requests queued behind the app's only worker when it is scaled down by hand are served by the one the autoscaler starts", async () => {
  const agent = new Agent();
  try {
    const worker = await work(agent, 0);
    // Its one place is taken; two more requests wait in the app's queue.
    const held = work(agent, 3000);
    await waitFor('the worker is busy', async () => (await workersJson(platform, 'autoscale', false)).find((w) => w.id === worker)?.detailStatus === 'DETAIL_STATUS_BUSY');
    const queued = [work(agent, 0), work(agent, 0)];
    await waitFor('two requests queued', async () => (JSON.parse(await cliOk(platform, ['app', 'queue', 'autoscale', '-o', 'json'])) as QueueEntry[]).length === 2);

    // Drained, it finishes what it holds; the queue makes the autoscaler start another, which serves the rest.
    await cliOk(platform, ['worker', 'scale-down', 'autoscale', worker as string]);
    assert.equal(await held, worker);
    for (const who of await Promise.all(queued)) assert.notEqual(who, worker, 'a queued request was answered by the new worker');
  } finally {
    await agent.close();
  }
});
