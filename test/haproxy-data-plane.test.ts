import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { test } from 'node:test';
import { serversInService } from '../src/server/gateway/haproxy/haproxy-stats';
import { runtimeCommand } from '../src/server/gateway/haproxy/runtime-socket';
import { appJson, cliOk, copyExampleApp, deployApp, editFile, workersJson } from './helpers/app-fixture';
import { startLoop } from './helpers/load';
import { usePlatform } from './helpers/platform';
import { waitFor } from './helpers/wait';

// The HAProxy data plane (`everai server --data-plane haproxy`): what only it can break. The
// gateway's own behaviour on it is proven by the gateway tests, which run on it as the default plane.

/** get-start with a route that answers who the data plane said called (x-everai-user). */
const ROUTES = `
app.service.route('/me', { methods: ['GET'] }, async (req: Request) => req.headers.get('x-everai-user') ?? '');
app.service.route('/echo', { methods: ['POST'] }, async (req: Request) => req.text());
app.service.route('/who', { methods: ['GET', 'POST'] }, async (req: Request) => {
  await new Promise((resolve) => setTimeout(resolve, Number(new URL(req.url).searchParams.get('ms') ?? 0)));
  return process.env.EVERAI_WORKER_ID ?? '';
});
`;

const platform = usePlatform({
  serverArgs: ['--data-plane', 'haproxy'],
  setup: async () => {
    const dir = copyExampleApp(platform);
    editFile(join(dir, 'app.ts'), (text) => text.concat(ROUTES));
    await deployApp(platform, dir);
  },
});

const haproxyDir = () => join(platform.dataDir, 'haproxy');
const me = (token: string) => fetch(`${platform.url}/api/routes/v1/default/get-start/me`, { headers: { authorization: `Bearer ${token}` } });

/** How many requests HAProxy sent straight to the app's workers (its backend's total), not to the Node server. */
async function servedByHaproxy(): Promise<number> {
  const app = await appJson(platform, 'get-start');
  const csv = await runtimeCommand(join(haproxyDir(), 'haproxy.sock'), 'show stat');
  const row = csv.split('\n').find((line) => line.startsWith(`app_${app.id},BACKEND,`));
  assert.ok(row, `HAProxy has a backend for the app:\n${csv}`);
  const names = (csv.split('\n')[0] ?? '').replace(/^# /, '').split(',');
  return Number(row.split(',')[names.indexOf('stot')]);
}

async function answered(res: Promise<Response>): Promise<{ status: number; body: string }> {
  const done = await res;
  return { status: done.status, body: await done.text() };
}

/**
 * The master's pid, or the current worker's: the one answering on the runtime socket. Not the
 * master's first child, which may be a former worker a reload left finishing its connections: the
 * master outlives a former worker killed, so the kill test waited in vain for a restart.
 */
async function haproxyPid(which: 'master' | 'worker'): Promise<number> {
  if (which === 'master') return Number(readFileSync(join(haproxyDir(), 'haproxy.pid'), 'utf8'));
  const pid = /^Pid: (\d+)$/m.exec(await runtimeCommand(join(haproxyDir(), 'haproxy.sock'), 'show info'))?.[1];
  assert.ok(pid, "HAProxy's runtime socket names no worker");
  return Number(pid);
}

// First: its reloads leave old HAProxy workers holding idle connections for one more request, which
// the kill tests then end; tests reading HAProxy's counters (the new worker's) come after those.
test("another app created and deleted under load (each one reloads HAProxy): no request to this app fails", async () => {
  const dir = copyExampleApp(platform);
  editFile(join(dir, 'app.ts'), (text) => text.replace("new App('get-start'", "new App('neighbour'"));
  const loop = startLoop(`${platform.url}/api/routes/v1/default/get-start/me`, platform.token, 4);
  const neighbours: string[] = [];
  try {
    for (let round = 0; round < 2; round++) {
      neighbours.push((await deployApp(platform, dir, 'neighbour')).id);
      await cliOk(platform, ['app', 'delete', 'neighbour', '--yes']);
    }
  } finally {
    const report = await loop.stop();
    assert.deepEqual(report.failures, [], 'every request to the app already there was answered');
    assert.ok(report.ok > 0);
  }
  // The kill tests below must find no reload under way: one would leave them a worker on its way out.
  await waitFor('HAProxy runs a config without the deleted apps', async () => {
    const csv = await runtimeCommand(join(haproxyDir(), 'haproxy.sock'), 'show stat');
    return neighbours.every((id) => !csv.includes(`app_${id},`));
  });
});

/** POSTs `text` to the app's /echo as a body of unknown length (chunked): HAProxy hands it to the Node server. */
async function echoChunked(app: string, text: string): Promise<{ status: number; body: string }> {
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new TextEncoder().encode(text));
      controller.close();
    },
  });
  const url = `${platform.url}/api/routes/v1/default/${app}/echo`;
  const init = { method: 'POST', body, duplex: 'half', headers: { authorization: `Bearer ${platform.token}` } };
  return answered(fetch(url, init));
}

test('a request the Node server sends on through HAProxy reaches the worker of an app created since HAProxy last reloaded', async () => {
  // The Node server forwards a chunked body through HAProxy's dispatch frontend, and keeps the connection.
  assert.deepEqual(await echoChunked('get-start', 'first'), { status: 200, body: 'first' });
  const dir = copyExampleApp(platform);
  editFile(join(dir, 'app.ts'), (text) => text.replace("new App('get-start'", "new App('later'").concat(ROUTES));
  const later = await deployApp(platform, dir, 'later');
  // Its backend is in a new config: the HAProxy that kept the Node server's connection has none.
  assert.deepEqual(await echoChunked('later', 'second'), { status: 200, body: 'second' });
  assert.deepEqual(await echoChunked('get-start', 'third'), { status: 200, body: 'third' });
  await cliOk(platform, ['app', 'delete', 'later', '--yes']);
  await waitFor('HAProxy runs a config without the deleted app', async () => !(await runtimeCommand(join(haproxyDir(), 'haproxy.sock'), 'show stat')).includes(`app_${later.id},`));
});

/** `method` /who?ms=MS on `agent`: the worker that answered. */
function whoOn(agent: Agent, method: 'GET' | 'POST', ms = 0): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${platform.url}/api/routes/v1/default/get-start/who?ms=${ms}`, { agent, method, headers: { authorization: `Bearer ${platform.token}` } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** POSTs a chunked body to /who: HAProxy hands it to the Node server, which sends it on through HAProxy. */
function whoChunked(): Promise<{ status: number; body: string }> {
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new TextEncoder().encode('chunked'));
      controller.close();
    },
  });
  const init = { method: 'POST', body, duplex: 'half', headers: { authorization: `Bearer ${platform.token}` } };
  return answered(fetch(`${platform.url}/api/routes/v1/default/get-start/who`, init));
}

test('a keep-alive connection opened before a reload sends nothing new to a worker drained since', async () => {
  // Two connections to the HAProxy running now, kept idle while another app's creation replaces it:
  // the one it replaced keeps them for one more request each.
  const [getAgent, postAgent] = [new Agent({ keepAlive: true, maxSockets: 1 }), new Agent({ keepAlive: true, maxSockets: 1 })];
  const fresh = new Agent();
  let slow: Promise<{ status: number; body: string }> | undefined;
  try {
    const drained = await whoOn(getAgent, 'GET');
    assert.equal(drained.status, 200, drained.body);
    assert.equal((await whoOn(postAgent, 'POST')).body, drained.body, 'one worker serves the app');
    // A chunked body goes through the Node server, which keeps its own connection to HAProxy.
    assert.deepEqual(await whoChunked(), { status: 200, body: drained.body });
    const dir = copyExampleApp(platform);
    editFile(join(dir, 'app.ts'), (text) => text.replace("new App('get-start'", "new App('neighbour'"));
    const neighbour = await deployApp(platform, dir, 'neighbour');

    // The worker drains while it holds a slow request (long enough for the steps below on a busy
    // machine: drained and removed, it would refuse the requests rather than take them), and another starts.
    slow = whoOn(fresh, 'GET', 8000);
    await waitFor('the worker holds the slow request', async () => (await workersJson(platform, 'get-start', false)).find((w) => w.id === drained.body)?.detailStatus === 'DETAIL_STATUS_BUSY');
    await cliOk(platform, ['worker', 'scale-down', 'get-start', drained.body]);
    const backend = `app_${(await appJson(platform, 'get-start')).id}`;
    await waitFor('HAProxy sends the draining worker nothing new', async () => {
      const state = await runtimeCommand(join(haproxyDir(), 'haproxy.sock'), `show servers state ${backend}`);
      return state.includes(drained.body) && !serversInService(state).includes(drained.body);
    });
    await cliOk(platform, ['worker', 'scale-up', 'get-start']);

    const [get, post, relayed] = await Promise.all([whoOn(getAgent, 'GET'), whoOn(postAgent, 'POST'), whoChunked()]);
    for (const answer of [get, post, relayed]) assert.equal(answer.status, 200, answer.body);
    assert.notEqual(get.body, drained.body, 'a GET on an old connection went to the draining worker');
    assert.notEqual(post.body, drained.body, 'a POST on an old connection went to the draining worker');
    assert.notEqual(relayed.body, drained.body, "the Node server's old connection sent a chunked POST to the draining worker");
    assert.deepEqual(await slow, { status: 200, body: drained.body }, 'the draining worker finished what it held');

    await cliOk(platform, ['app', 'delete', 'neighbour', '--yes']);
    await waitFor('HAProxy runs a config without the deleted app', async () => !(await runtimeCommand(join(haproxyDir(), 'haproxy.sock'), 'show stat')).includes(`app_${neighbour.id},`));
  } finally {
    // Not cut short by a failed assertion: the worker's answer would come to a closed test.
    await slow?.catch(() => undefined);
    for (const agent of [getAgent, postAgent, fresh]) agent.destroy();
  }
});

for (const victim of ['master', 'worker'] as const) {
  test(`HAProxy's ${victim} killed under load: HAProxy comes back at once with the app and its workers, and nothing fails once it is back`, async () => {
    await waitFor('HAProxy serves the app straight from its worker', async () => (await answered(me(platform.token))).status === 200 && (await servedByHaproxy()) > 0);
    const master = await haproxyPid('master');
    const killed = await haproxyPid(victim);
    const outcomes: { startedAt: number; ok: boolean; failure?: string }[] = [];
    let running = true;
    const loop = async () => {
      while (running) {
        const startedAt = Date.now();
        try {
          const { status, body } = await answered(me(platform.token));
          outcomes.push({ startedAt, ok: status === 200, failure: `${status} ${body}` });
        } catch (error) {
          outcomes.push({ startedAt, ok: false, failure: String((error as Error).cause ?? error) });
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      }
    };
    const loops = Array.from({ length: 4 }, loop);
    let backAt = Infinity;
    try {
      await waitFor('some requests served before the kill', async () => outcomes.filter((o) => o.ok).length > 20);
      process.kill(killed, 'SIGKILL');
      await waitFor('HAProxy started again', async () => {
        const pid = Number(readFileSync(join(haproxyDir(), 'haproxy.pid'), 'utf8'));
        return pid > 0 && pid !== master;
      });
      const restartedAt = Date.now();
      await waitFor('requests served again after the restart', async () => outcomes.some((o) => o.ok && o.startedAt > restartedAt));
      // Back: the first request the new HAProxy served. What was sent before may have failed, the kill cutting it.
      backAt = Math.min(...outcomes.filter((o) => o.ok && o.startedAt > restartedAt).map((o) => o.startedAt));
      await waitFor('a hundred requests after the restart', async () => outcomes.filter((o) => o.startedAt > backAt).length > 100);
    } finally {
      // A wait that failed must not leave the loops running: the test file would never end.
      running = false;
      await Promise.all(loops);
    }
    const failedAfter = outcomes.filter((o) => o.startedAt > backAt && !o.ok);
    assert.deepEqual(failedAfter.map((o) => o.failure), [], 'no request failed once HAProxy was back');
    const served = await servedByHaproxy();
    assert.ok(served > 0, 'the restarted HAProxy has the app and its worker: it serves them without the Node server');
  });
}

test("a client's own activator headers vouch for nothing: a private app still wants its owner's token", async () => {
  const app = await appJson(platform, 'get-start');
  const forged = { 'x-everai-activator': 'guess', 'x-everai-app-id': app.id, 'x-everai-user': 'admin' };
  const refused = await answered(fetch(`${platform.url}/api/routes/v1/default/get-start/me`, { headers: forged }));
  assert.equal(refused.status, 401, refused.body);
  // On the Node server itself too (its loopback port behind HAProxy): only the right secret counts.
  const node = /^\s*server node (\S+)$/m.exec(readFileSync(join(haproxyDir(), 'haproxy.cfg'), 'utf8'))?.[1];
  assert.ok(node);
  const direct = await answered(fetch(`http://${node}/me`, { headers: forged }));
  assert.equal(direct.status, 404, direct.body);
});

/** GET /me on `agent`'s one connection, with `authorization` as it is: the answer and the client port it came on. */
function meOn(agent: Agent, authorization: string): Promise<{ status: number; body: string; port: number | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request(`${platform.url}/api/routes/v1/default/get-start/me`, { agent, headers: { authorization } }, (res) => {
      // Read now: the socket goes back to the agent once the answer ends.
      const port = res.socket.localPort;
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, port }));
    });
    req.on('error', reject);
    req.end();
  });
}

test("a connection's next request with another Authorization header is judged by that header, not the token hash the connection kept", async () => {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const token = platform.token;
    const first = await meOn(agent, `Bearer ${token}`);
    assert.deepEqual({ status: first.status, body: first.body }, { status: 200, body: 'admin' });
    // First a header HAProxy takes for a bearer token but cannot hash (a tab, not a space, after the
    // scheme): the hash kept from the last request must not stand in for it.
    for (const other of [`Bearer\t${token}`, `Bearer  ${token}`, `Bearer ${token}x`]) {
      const refused = await meOn(agent, other);
      assert.equal(refused.status, 401, `${JSON.stringify(other)}: ${refused.body}`);
    }
    const again = await meOn(agent, `Bearer ${token}`);
    assert.deepEqual({ status: again.status, body: again.body }, { status: 200, body: 'admin' });
    assert.equal(again.port, first.port, 'all on one connection');
  } finally {
    agent.destroy();
  }
});

// Last: it rotates the token the tests above use.
test('a rotated token stops working through HAProxy at once, and the new one works', async () => {
  const old = platform.token;
  const before = await servedByHaproxy();
  assert.deepEqual(await answered(me(old)), { status: 200, body: 'admin' });
  assert.ok((await servedByHaproxy()) > before, 'HAProxy checked the token itself (its tokens map) and served the request');
  const rotated = await fetch(`${platform.url}/api/v1/token:rotate`, { method: 'POST', headers: { authorization: `Bearer ${old}` } });
  assert.equal(rotated.status, 200);
  const { token } = (await rotated.json()) as { token: string };
  const refused = await answered(me(old));
  assert.equal(refused.status, 401, refused.body);
  assert.equal((JSON.parse(refused.body) as { error: { code: string } }).error.code, 'EVERAI_UNAUTHENTICATED');
  assert.deepEqual(await answered(me(token)), { status: 200, body: 'admin' });
});
