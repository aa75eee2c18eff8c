import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { REPO_ROOT } from './helpers/cli';
import { waitFor } from './helpers/wait';

const WORKER_ENTRY = join(REPO_ROOT, 'dist', 'src', 'sdk', 'worker', 'worker-entry.js');

/** One route per kind of answer a handler may give. */
const FIXTURE_APP = `
import { App, context } from 'everai';

export const app = new App('serve-fixture', { concurrency: 4 });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
let prepared = 'no';

app.prepare(async function warmUp() {
  await sleep(20);
  prepared = context.isPrepareMode ? 'prepare mode' : 'yes';
});

app.service.route('/text', {}, () => 'hello world');
app.service.route('/bytes', {}, () => new Uint8Array([1, 2, 3]));
app.service.route('/json', {}, () => ({ a: 1, list: [1, 2] }));
app.service.route('/empty', {}, () => undefined);
app.service.route('/prepared', {}, () => prepared);
app.service.route('/secret', {}, () => context.getSecret('quay-secret').get('username') ?? 'missing');
app.service.route('/items/{id}', {}, (_req, { params }) => ({ id: params.id }));
app.service.route('/response', {}, () =>
  new Response('made by hand', { status: 201, headers: { 'content-type': 'text/x-custom', 'x-custom': 'yes' } }),
);
app.service.route('/sync-generator', {}, function* () {
  yield 'a';
  yield 'b';
});
app.service.route('/sse', {}, async function* (req: Request) {
  const query = new URL(req.url).searchParams;
  for (let i = 0; i < Number(query.get('n')); i++) {
    if (i > 0) await sleep(Number(query.get('delay')));
    yield \`event \${i}\\n\\n\`;
  }
});
app.service.route('/response-stream', {}, () => {
  let i = 0;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (i > 0) await sleep(200);
      if (i === 3) return controller.close();
      controller.enqueue(new TextEncoder().encode(\`part \${i++}\\n\`));
    },
  });
  return new Response(body, { headers: { 'content-type': 'text/plain' } });
});
app.service.route('/echo', { methods: ['POST', 'PUT'] }, async (req: Request) => ({
  method: req.method,
  query: new URL(req.url).searchParams.get('q'),
  header: req.headers.get('x-test'),
  body: await req.text(),
}));
// Answers each chunk of the upload as it arrives: only works if the body is streamed, not gathered.
app.service.route('/duplex', { methods: ['POST'] }, async function* (req: Request) {
  for await (const chunk of req.body as unknown as AsyncIterable<Uint8Array>) {
    yield \`got \${new TextDecoder().decode(chunk)}\\n\`;
  }
});
// Waits until the client goes away, then says what its request and a clone of it saw.
const waits = { started: 0, aborted: [] as string[] };
app.service.route('/wait-for-abort', {}, async (req: Request) => {
  const copy = req.clone();
  waits.started++;
  await new Promise((resolve) => req.signal.addEventListener('abort', resolve, { once: true }));
  waits.aborted.push(\`request \${req instanceof Request} \${req.signal.aborted}, clone \${copy instanceof Request} \${copy.signal.aborted}\`);
  return 'never read';
});
app.service.route('/waits', {}, () => waits);
app.service.route('/boom', {}, () => {
  throw new Error('kaboom');
});
app.service.route('/boom-midway', {}, async function* () {
  yield 'first\\n';
  await sleep(50);
  throw new Error('kaboom midway');
});
`;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

interface Worker {
  child: ChildProcess;
  url: string;
  output: () => string;
  exited: Promise<number | null>;
}

/** The SDK's worker main as the platform starts it: its own process, cwd = the app folder. */
async function startWorker(dir: string, env: Record<string, string> = {}): Promise<Worker> {
  const port = await freePort();
  let output = '';
  const child = spawn(process.execPath, [WORKER_ENTRY], {
    cwd: dir,
    env: { ...process.env, PORT: String(port), EVERAI_APP_FILE: 'app.ts', EVERAI_WORKER_ID: 'test-worker', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return { child, url: `http://127.0.0.1:${port}`, output: () => output, exited };
}

async function waitServing(worker: Worker): Promise<void> {
  await waitFor(`worker serving\n${worker.output()}`, async () => worker.output().includes('serving app') || worker.child.exitCode !== null, 30_000, 50);
  assert.equal(worker.child.exitCode, null, `worker exited:\n${worker.output()}`);
}

async function stopWorker(worker: Worker | undefined): Promise<void> {
  if (worker && worker.child.exitCode === null && worker.child.signalCode === null) {
    worker.child.kill('SIGKILL');
    await worker.exited;
  }
}

function makeAppDir(source: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'everai-serve-'));
  writeFileSync(join(dir, 'package.json'), '{"type": "module", "private": true}\n');
  writeFileSync(join(dir, 'app.ts'), source);
  return dir;
}

/** Reads a streamed body, noting when each piece of text arrived. */
async function timedChunks(response: Response): Promise<{ text: string; at: number }[]> {
  const chunks: { text: string; at: number }[] = [];
  const decoder = new TextDecoder();
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    chunks.push({ text: decoder.decode(chunk, { stream: true }), at: Date.now() });
  }
  return chunks;
}

/** When each of `markers` first showed up in the stream. */
function arrivalTimes(chunks: { text: string; at: number }[], markers: string[]): number[] {
  let seen = '';
  const times = new Map<string, number>();
  for (const { text, at } of chunks) {
    seen += text;
    for (const m of markers) if (!times.has(m) && seen.includes(m)) times.set(m, at);
  }
  return markers.map((m) => {
    const at = times.get(m);
    assert.ok(at !== undefined, `'${m}' never arrived in ${JSON.stringify(seen)}`);
    return at;
  });
}

describe('the worker serving an app', () => {
  let dir: string;
  let worker: Worker | undefined;
  let url: string;

  before(async () => {
    dir = makeAppDir(FIXTURE_APP);
    worker = await startWorker(dir, { EVERAI_SECRETS: JSON.stringify({ 'quay-secret': { username: 'robot' } }) });
    await waitServing(worker);
    url = worker.url;
  });

  after(async () => {
    await stopWorker(worker);
    rmSync(dir, { recursive: true, force: true });
  });

  test('answers the readiness probe once prepared', async () => {
    const res = await fetch(`${url}/.well-known/everai/ready`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { ready: true });
    assert.equal(await (await fetch(`${url}/prepared`)).text(), 'yes');
    assert.match(worker?.output() ?? '', /prepare hook 1\/1 warmUp/);
  });

  test('sends each kind of handler result', async () => {
    const text = await fetch(`${url}/text`);
    assert.equal(text.status, 200);
    assert.equal(text.headers.get('content-type'), 'text/plain; charset=utf-8');
    assert.equal(await text.text(), 'hello world');

    const bytes = await fetch(`${url}/bytes`);
    assert.equal(bytes.headers.get('content-type'), 'application/octet-stream');
    assert.deepEqual([...new Uint8Array(await bytes.arrayBuffer())], [1, 2, 3]);

    const json = await fetch(`${url}/json`);
    assert.equal(json.headers.get('content-type'), 'application/json; charset=utf-8');
    assert.deepEqual(await json.json(), { a: 1, list: [1, 2] });

    const empty = await fetch(`${url}/empty`);
    assert.equal(empty.status, 204);
    assert.equal(await empty.text(), '');

    const response = await fetch(`${url}/response`);
    assert.equal(response.status, 201);
    assert.equal(response.headers.get('content-type'), 'text/x-custom');
    assert.equal(response.headers.get('x-custom'), 'yes');
    assert.equal(await response.text(), 'made by hand');

    const generator = await fetch(`${url}/sync-generator`);
    assert.equal(generator.headers.get('content-type'), 'text/event-stream; charset=utf-8');
    assert.equal(generator.headers.get('cache-control'), 'no-cache');
    assert.equal(await generator.text(), 'ab');

    assert.deepEqual(await (await fetch(`${url}/items/a%20b`)).json(), { id: 'a b' });
    assert.equal(await (await fetch(`${url}/secret`)).text(), 'robot');
  });

  test('gives the handler the query, the headers and the body', async () => {
    const res = await fetch(`${url}/echo?q=one%20two`, { method: 'PUT', headers: { 'x-test': 'yes' }, body: 'payload' });
    assert.deepEqual(await res.json(), { method: 'PUT', query: 'one two', header: 'yes', body: 'payload' });
  });

  test('streams the request body to the handler as it is sent', async () => {
    const { port } = new URL(url);
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/duplex' });
    req.write('one');
    const [res] = (await once(req, 'response')) as [NodeJS.ReadableStream];
    res.setEncoding('utf8');
    let received = '';
    const next = async (expected: string) => {
      while (!received.includes(expected)) received += (await once(res, 'data'))[0] as string;
    };
    // The second part is only sent once the first has been answered: a worker that gathered the
    // whole body before calling the handler would never answer, and this test would time out.
    await next('got one');
    req.end('two');
    await next('got two');
    assert.equal(received, 'got one\ngot two\n');
  });

  test("the request's signal, and its clone's, abort when the client goes away mid-request", async () => {
    const client = new AbortController();
    const call = fetch(`${url}/wait-for-abort`, { signal: client.signal }).catch((error: Error) => error.name);
    const waits = async () => (await (await fetch(`${url}/waits`)).json()) as { started: number; aborted: string[] };
    await waitFor('the handler waits', async () => (await waits()).started === 1);
    client.abort();
    assert.equal(await call, 'AbortError');
    await waitFor('the handler saw the abort', async () => (await waits()).aborted.length === 1);
    assert.deepEqual((await waits()).aborted, ['request true true, clone true true']);
  });

  test('answers 404, 405 and 500 with a JSON error', async () => {
    const missing = await fetch(`${url}/nope`);
    assert.equal(missing.status, 404);
    assert.equal(((await missing.json()) as { error: { code: string } }).error.code, 'EVERAI_NOT_FOUND');

    const wrongMethod = await fetch(`${url}/text`, { method: 'POST', body: 'x' });
    assert.equal(wrongMethod.status, 405);
    assert.equal(wrongMethod.headers.get('allow'), 'GET');
    assert.ok(((await wrongMethod.json()) as { error: { message: string } }).error.message.includes('POST'));

    const failed = await fetch(`${url}/boom`);
    assert.equal(failed.status, 500);
    const body = (await failed.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'EVERAI_INTERNAL');
    assert.ok(!body.error.message.includes('kaboom'), 'the error itself stays in the log');
    assert.match(worker?.output() ?? '', /GET \/boom failed:[\s\S]*kaboom/);
  });

  test('cuts a stream whose handler throws midway, after what it sent', async () => {
    const res = await fetch(`${url}/boom-midway`);
    assert.equal(res.status, 200);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const first = await reader.read();
    assert.equal(new TextDecoder().decode(first.value), 'first\n');
    await assert.rejects(async () => {
      for (;;) if ((await reader.read()).done) break;
    });
    assert.match(worker?.output() ?? '', /kaboom midway/);
  });

  test('sends each SSE event as it is yielded, not all at the end', async () => {
    const started = Date.now();
    const res = await fetch(`${url}/sse?n=5&delay=200`);
    const markers = ['event 0', 'event 1', 'event 2', 'event 3', 'event 4'];
    const times = arrivalTimes(await timedChunks(res), markers);
    const gaps = times.slice(1).map((t, i) => t - (times[i] as number));
    for (const gap of gaps) assert.ok(gap >= 120, `events arrived ${gaps.join(', ')} ms apart`);
    assert.ok((times[0] as number) - started < 500, 'the first event came at once');
  });

  test('streams a Response whose body is a ReadableStream chunk by chunk', async () => {
    const res = await fetch(`${url}/response-stream`);
    const times = arrivalTimes(await timedChunks(res), ['part 0', 'part 1', 'part 2']);
    assert.ok((times[2] as number) - (times[0] as number) >= 250, `parts arrived at ${times.join(', ')}`);
  });
});

describe('a worker stopped with SIGTERM', () => {
  let dir: string;
  let worker: Worker | undefined;

  before(() => {
    dir = makeAppDir(FIXTURE_APP);
  });

  after(async () => {
    await stopWorker(worker);
    rmSync(dir, { recursive: true, force: true });
  });

  test('finishes the open stream, refuses new connections, then exits 0', async () => {
    worker = await startWorker(dir);
    await waitServing(worker);
    const res = await fetch(`${worker.url}/sse?n=5&delay=200`);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = decoder.decode((await reader.read()).value);
    worker.child.kill('SIGTERM');
    await waitFor('draining', async () => worker?.output().includes('draining'), 10_000, 20);
    await assert.rejects(fetch(`${worker.url}/text`), 'no new connection is taken while draining');
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    assert.equal(text, 'event 0\n\nevent 1\n\nevent 2\n\nevent 3\n\nevent 4\n\n');
    assert.equal(await worker.exited, 0);
  });
});

describe('a worker whose app cannot start', () => {
  const dirs: string[] = [];
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  test('exits 1 with the load error on one line', async () => {
    const dir = makeAppDir("import { App } from 'everai';\nexport const app = new App('x');\napp.service.rout('/x', () => 'x');\n");
    dirs.push(dir);
    const worker = await startWorker(dir);
    assert.equal(await worker.exited, 1);
    assert.match(worker.output(), /^Error: app\.ts:3:13: app\.service\.rout is not a function/m);
  });

  test('exits 1 when a prepare hook fails, and never listens', async () => {
    const dir = makeAppDir(
      "import { App } from 'everai';\nexport const app = new App('x');\napp.prepare(function download() { throw new Error('no model'); });\n",
    );
    dirs.push(dir);
    const worker = await startWorker(dir);
    assert.equal(await worker.exited, 1);
    assert.match(worker.output(), /prepare hook 1\/1 download failed:[\s\S]*no model/);
    assert.ok(!worker.output().includes('serving app'));
  });
});
