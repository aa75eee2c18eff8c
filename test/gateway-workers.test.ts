import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { QueueEntry } from '../src/cli/views';
import { appJson, cliOk, copyExampleApp, deployApp, editFile, workersJson } from './helpers/app-fixture';
import { waitWorkerCount } from './helpers/autoscale';
import { startTestPlatform, type TestPlatform } from './helpers/platform';
import { waitFor } from './helpers/wait';
import { killWorker } from './helpers/workers';

// How the gateway spreads requests over an app's workers, seen from a client: as many at once as
// the app's concurrency (however it was changed), a session on the worker that served it first,
// the queue kept when the app's only worker dies, and a POST taken whole by another worker when
// its own refuses the connection.

/** get-start with routes that tell, from inside the worker, what it saw, and one that breaks its listener. */
const ROUTES = `
let inflight = 0;
let most = 0;
/** Holds each request until \`want\` were in flight at once (at most 5 s), then answers the most it saw. */
app.service.route('/together', { methods: ['GET'] }, async (req: Request) => {
  const want = Number(new URL(req.url).searchParams.get('want'));
  most = Math.max(most, ++inflight);
  for (const deadline = Date.now() + 5000; most < want && Date.now() < deadline; ) await sleep(20);
  inflight--;
  return String(most);
});
/** Which worker answered, after \`ms\` milliseconds. */
app.service.route('/who', { methods: ['GET'] }, async (req: Request) => {
  await sleep(Number(new URL(req.url).searchParams.get('ms') ?? 0));
  return process.env.EVERAI_WORKER_ID ?? '';
});
/** Which worker took the body, and the body's sha256. */
app.service.route('/echo', { methods: ['POST'] }, async (req: Request) => {
  const body = new Uint8Array(await req.arrayBuffer());
  return \`\${process.env.EVERAI_WORKER_ID ?? ''} \${createHash('sha256').update(body).digest('hex')}\`;
});
/**
 * This worker stops taking connections and stays alive, as a program whose listener broke would:
 * its port refuses, and nothing of it has exited for the platform to see. The answer closes its
 * connection, after the worker's idle ones were closed.
 */
app.service.route('/refuse', { methods: ['GET'] }, () => {
  const handles = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles();
  for (const server of handles.filter((h): h is Server => h instanceof Server)) {
    server.close();
    server.closeIdleConnections();
  }
  setInterval(() => undefined, 60_000);
  return new Response(process.env.EVERAI_WORKER_ID ?? '', { headers: { connection: 'close' } });
});
import { createHash } from 'node:crypto';
import { Server } from 'node:http';
`;

const CONCURRENCY = 4;

let platform: TestPlatform;
let dir: string;
before(async () => {
  platform = await startTestPlatform();
  dir = copyExampleApp(platform);
  editFile(join(dir, 'app.ts'), (text) => text.replace('image: Image.fromRegistry(IMAGE),', 'image: Image.fromRegistry(IMAGE),\n  concurrency: 1,').concat(ROUTES));
  await deployApp(platform, dir);
});
after(async () => {
  await platform?.stop();
});

function get(path: string, headers: Record<string, string> = {}, signal?: AbortSignal): Promise<Response> {
  return fetch(`${platform.url}/api/routes/v1/default/get-start${path}`, {
    headers: { authorization: `Bearer ${platform.token}`, ...headers },
    ...(signal ? { signal } : {}),
  });
}

async function answer(res: Promise<Response>): Promise<string> {
  const done = await res;
  const body = await done.text();
  assert.equal(done.status, 200, body);
  return body;
}

test("requests queued behind the app's only worker when it is killed are served by its replacement", async () => {
  const [worker] = await workersJson(platform, 'get-start', false);
  assert.ok(worker);
  // The worker's one place is taken; two more requests wait in the app's queue.
  const cut = answer(get('/who?ms=5000'));
  await waitFor('the worker is busy', async () => (await workersJson(platform, 'get-start', false)).find((w) => w.id === worker.id)?.detailStatus === 'DETAIL_STATUS_BUSY');
  const queued = [answer(get('/who')), answer(get('/who'))];
  await waitFor('two requests queued', async () => (JSON.parse(await cliOk(platform, ['app', 'queue', 'get-start', '-o', 'json'])) as QueueEntry[]).length === 2);

  await killWorker(platform.dataDir, worker.id);
  for (const who of await Promise.all(queued)) assert.notEqual(who, worker.id, 'a queued request was answered by the replacement');
  // The request the kill cut had no byte of its answer yet: a GET, it is retried there too.
  assert.notEqual(await cut, worker.id);
});

test('raising concurrency with app update lets the same worker serve that many requests at once', async () => {
  const [before] = await workersJson(platform, 'get-start', false);
  editFile(join(dir, 'app.ts'), (text) => text.replace('concurrency: 1,', `concurrency: ${CONCURRENCY},`));
  await cliOk(platform, ['app', 'update'], dir);
  assert.equal((await appJson(platform, 'get-start')).concurrency, CONCURRENCY);

  const most = await Promise.all(Array.from({ length: CONCURRENCY }, () => answer(get(`/together?want=${CONCURRENCY}`))));
  assert.deepEqual(most, Array(CONCURRENCY).fill(String(CONCURRENCY)), `the worker saw at most ${most.join(', ')} requests at once`);
  const after = await workersJson(platform, 'get-start', false);
  assert.deepEqual(after.map((w) => w.id), [before?.id], 'no rollout: the same worker serves');
});

test('a session waits for its own busy worker while other requests go to the free one', async () => {
  await cliOk(platform, ['worker', 'scale-up', 'get-start', '--num', '1']);
  await waitWorkerCount(platform, 'get-start', 2);
  const session = { 'x-everai-session-id': 'sticky' };
  const pinned = await answer(get('/who', session));

  // The session fills its worker: every place on it is the session's, so the next one queues.
  // Requests sent at once, each on its own connection, reach the data plane in no set order: the
  // next one is sent once its worker is busy with them, or it may take a place before one of
  // them and be served while that one waits.
  const holds = new AbortController();
  const held = Array.from({ length: CONCURRENCY }, () => get('/who?ms=60000', session, holds.signal).catch(() => undefined));
  await waitFor('the session filled its worker', async () => {
    const workers = await workersJson(platform, 'get-start', false);
    return workers.find((w) => w.id === pinned)?.detailStatus === 'DETAIL_STATUS_BUSY';
  });
  const next = answer(get('/who', session));
  await waitFor('the session queued for its worker', async () => {
    const queue = JSON.parse(await cliOk(platform, ['app', 'queue', 'get-start', '-o', 'json'])) as QueueEntry[];
    return queue.length === 1 && queue[0]?.reason === 'QueueDueSession';
  });
  const other = await answer(get('/who'));
  assert.notEqual(other, pinned, 'a request without a session went to the free worker');
  const workers = await workersJson(platform, 'get-start', false);
  assert.deepEqual(
    workers.map((w) => [w.id, w.sessionNumber]).sort(),
    [
      [pinned, 1],
      [other, 0],
    ].sort(),
  );

  // Its worker frees up (the holding clients went away): the queued request is served there.
  holds.abort();
  await Promise.all(held);
  assert.equal(await next, pinned);
});

test('a POST whose worker refuses its connection is served whole by another worker', async () => {
  // Two workers (the test above scaled up). One is filled by a session's requests, so the other
  // is the only one with room: the data plane sends the POST there first.
  const session = { 'x-everai-session-id': 'filler' };
  const full = await answer(get('/who', session));
  const holds = new AbortController();
  const held = Array.from({ length: CONCURRENCY }, () => get('/who?ms=60000', session, holds.signal).catch(() => undefined));
  await waitFor('the session filled its worker', async () => (await workersJson(platform, 'get-start', false)).find((w) => w.id === full)?.detailStatus === 'DETAIL_STATUS_BUSY');
  const refusing = await answer(get('/refuse'));
  assert.notEqual(refusing, full, 'the worker with room stopped taking connections');

  const body = randomBytes(1024 * 1024);
  const posted = fetch(`${platform.url}/api/routes/v1/default/get-start/echo`, {
    method: 'POST',
    headers: { authorization: `Bearer ${platform.token}`, 'content-type': 'application/octet-stream' },
    body,
  });
  const answered = answer(posted);
  // The POST waits for a place on the full worker; it gets one when the session's requests end.
  await Promise.race([
    waitFor('the POST waits in the queue', async () => (JSON.parse(await cliOk(platform, ['app', 'queue', 'get-start', '-o', 'json'])) as QueueEntry[]).length === 1),
    answered.then(() => assert.fail('the POST was answered while the only worker that could take it was full')),
  ]);
  holds.abort();
  await Promise.all(held);
  const [who, digest] = (await answered).split(' ');
  assert.notEqual(who, refusing, 'the worker that refused answered');
  assert.equal(digest, createHash('sha256').update(body).digest('hex'), 'the worker got another body');
});
