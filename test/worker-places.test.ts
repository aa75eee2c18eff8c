import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { appJson, cliOk, copyExampleApp, deployApp, editFile, waitDeployed, workersJson } from './helpers/app-fixture';
import { useNumericArgs } from './helpers/autoscale';
import { DEBIAN_IMAGE_MISSING, pushDebianPythonImage } from './helpers/debian-image';
import { startLoop } from './helpers/load';
import { usePlatform } from './helpers/platform';
import { waitFor } from './helpers/wait';

// A worker serves at most its app's concurrency at once, whichever dispatcher sends it a request:
// the data plane, or the Node gateway behind HAProxy (a cold start's held requests, and whatever
// HAProxy hands the Node server, such as a chunked body or a service port).

/** The most requests the worker held at once so far, told with each answer. */
const HELD_ROUTE = `
let inflight = 0;
let most = 0;
app.service.route('/held', { methods: ['GET', 'POST'] }, async (req: Request) => {
  most = Math.max(most, ++inflight);
  await req.text();
  await sleep(Number(new URL(req.url).searchParams.get('ms') ?? 0));
  inflight--;
  return String(most);
});
`;

const platform = usePlatform();

/** GETs (or POSTs `body`) the app's /held route; answers the most requests its worker held at once. */
async function held(app: string, ms: number, body?: ReadableStream<Uint8Array>): Promise<number> {
  const res = await fetch(`${platform.url}/api/routes/v1/default/${app}/held?ms=${ms}`, {
    headers: { authorization: `Bearer ${platform.token}` },
    ...(body ? { method: 'POST', body, duplex: 'half' } : {}),
  });
  const text = await res.text();
  assert.equal(res.status, 200, text);
  return Number(text);
}

test('a cold start burst: the new worker never holds more than the app concurrency (1)', async () => {
  const dir = copyExampleApp(platform, 'autoscale');
  useNumericArgs(dir, { min_workers: 0, max_workers: 1, max_queue_size: 100, scale_up_step: 1, max_idle_time: 2 });
  editFile(join(dir, 'app.ts'), (text) => text.concat(HELD_ROUTE));
  await deployApp(platform, dir, 'autoscale');
  await waitFor('no worker left', async () => (await workersJson(platform, 'autoscale', false)).length === 0, 60_000, 300);

  // A burst at the app at zero, then a request every 100 ms while the held ones are sent on.
  const answers = Array.from({ length: 6 }, () => held('autoscale', 400));
  for (let i = 0; i < 10; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    answers.push(held('autoscale', 400));
  }
  const most = Math.max(...(await Promise.all(answers)));
  assert.equal(most, 1, `the worker held ${most} requests at once`);
});

test('a chunked POST and a GET at once: the worker (concurrency 1) holds one at a time', async () => {
  const dir = copyExampleApp(platform);
  editFile(join(dir, 'app.ts'), (text) => text.replace('image: Image.fromRegistry(IMAGE),', 'image: Image.fromRegistry(IMAGE),\n  concurrency: 1,').concat(HELD_ROUTE));
  await deployApp(platform, dir);

  // A body of unknown length goes chunked: HAProxy hands it to the Node server, the GET it serves
  // alone. Three rounds: right after the deploy, HAProxy may not route the app itself yet.
  const answers: number[] = [];
  for (let round = 0; round < 3; round++) {
    const chunked = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('a body'));
        controller.close();
      },
    });
    answers.push(...(await Promise.all([held('get-start', 1000), held('get-start', 1000, chunked)])));
  }
  const most = Math.max(...answers);
  assert.equal(most, 1, `the worker held ${most} requests at once`);
});

/**
 * A program serving its main port and port 8081 alike: each GET is held `ms`, and answers the most
 * requests the program held at once, on both ports, while it held that one. Any other port it
 * declares answers 421: a request sent there was meant for another.
 */
const TWO_PORTS = `import os, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit
lock = threading.Lock()
held = []
class Held(BaseHTTPRequestHandler):
    def do_GET(self):
        mine = {"most": 0}
        with lock:
            held.append(mine)
            for request in held:
                request["most"] = max(request["most"], len(held))
        time.sleep(int(parse_qs(urlsplit(self.path).query)["ms"][0]) / 1000)
        with lock:
            held.remove(mine)
        body = str(mine["most"]).encode()
        self.send_response(200)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
class Misdirected(Held):
    def do_GET(self):
        self.send_response(421)
        self.send_header("content-length", "0")
        self.end_headers()
host = os.environ.get("EVERAI_LISTEN_HOST", "0.0.0.0")
threading.Thread(target=ThreadingHTTPServer((host, int(os.environ["PORT_8081"])), Held).serve_forever, daemon=True).start()
for name, port in os.environ.items():
    if name.startswith("PORT_") and port not in (os.environ["PORT"], os.environ["PORT_8081"]):
        threading.Thread(target=ThreadingHTTPServer((host, int(port)), Misdirected).serve_forever, daemon=True).start()
ThreadingHTTPServer((host, int(os.environ["PORT"])), Held).serve_forever()
`;

/** app.yaml of the TWO_PORTS program on `image` as app `name`, its main port `main`, beside 8081 and `misdirected`. */
function twoPortsManifest(image: string, main: number, { name = 'two-ports', misdirected = [] as number[] } = {}): string {
  const program = TWO_PORTS.trimEnd().split('\n').map((line) => `      ${line}`).join('\n');
  return [
    'version: everai/v1alpha1',
    'kind: App',
    'metadata:',
    `  name: ${name}`,
    'spec:',
    `  image: ${image}`,
    '  command:',
    '    - python3',
    '    - -c',
    '    - |',
    program,
    `  port: ${main}`,
    '  services:',
    `    - port: ${main}`,
    '    - port: 8081',
    ...misdirected.map((port) => `    - port: ${port}`),
    '  concurrency: 1',
    '  autoscaler:',
    '    manual:',
    '      defaultWorkerNum: 2',
    '',
  ].join('\n');
}

const twoPortsRoute = (app = 'two-ports') => `${platform.url}/api/routes/v1/default/${app}/held`;

/** Deploys the TWO_PORTS program as `name` on 2 workers (main port 8080); its directory. */
async function deployTwoPorts(image: string, name: string): Promise<string> {
  const dir = mkdtempSync(join(platform.home, `${name}-`));
  writeFileSync(join(dir, 'app.yaml'), twoPortsManifest(image, 8080, { name }));
  await cliOk(platform, ['app', 'create'], dir);
  await waitDeployed(platform, name, 120_000);
  return dir;
}

/** Upgrades the app in `dir` to `manifest`, its revision 2, and waits until revision 2 alone serves, on 2 ready workers. */
async function upgradeTo(dir: string, name: string, manifest: string): Promise<void> {
  writeFileSync(join(dir, 'app.yaml'), manifest);
  await cliOk(platform, ['app', 'update'], dir);
  await waitFor('revision 2 alone', async () => {
    const app = await appJson(platform, name);
    return app.revision === 2 && app.workers.ready === 2 && app.servingRevisions.join() === '2';
  }, 120_000, 300);
}

/**
 * Waits for `work`, then stops the load with `stop` whatever happened (a loop left running would
 * keep the test process alive): a failed `work` is the error reported.
 */
async function stopAfter<T>(work: Promise<unknown>, stop: () => Promise<T>): Promise<T> {
  await work.catch(async (error: unknown) => {
    await stop();
    throw error;
  });
  return stop();
}

/** 8 requests at once, half to the main port and half to port 8081: the most requests a worker held at once, as they answer. */
async function heldOnBothPorts(): Promise<number> {
  const get = async (servicePort: string | undefined): Promise<number> => {
    const res = await fetch(`${twoPortsRoute()}?ms=400`, {
      headers: { authorization: `Bearer ${platform.token}`, ...(servicePort ? { 'x-everai-port': servicePort } : {}) },
    });
    const text = await res.text();
    assert.equal(res.status, 200, text);
    return Number(text);
  };
  return Math.max(...(await Promise.all(Array.from({ length: 8 }, (_, i) => get(i % 2 === 0 ? undefined : '8081')))));
}

test('the main port and a service port at once: each worker (concurrency 1) holds one request at a time, before and after an upgrade that moves the main port', { skip: DEBIAN_IMAGE_MISSING }, async () => {
  const image = await pushDebianPythonImage(platform);
  const dir = await deployTwoPorts(image, 'two-ports');

  // Main-port requests HAProxy serves alone; service-port ones come through the Node server. Both
  // kinds must count against the one place each worker has.
  const before: number[] = [];
  for (let round = 0; round < 3; round++) before.push(await heldOnBothPorts());
  assert.equal(Math.max(...before), 1, `a worker held ${Math.max(...before)} requests at once`);

  // An old worker holds one request all through the upgrade: it drains until the test lets the
  // request go, so the rounds after the upgrade run while HAProxy still has it, in maintenance.
  const lingering = new AbortController();
  const lingered = fetch(`${twoPortsRoute()}?ms=600000`, { headers: { authorization: `Bearer ${platform.token}` }, signal: lingering.signal }).catch(() => undefined);
  // Let go whatever happens: a request left open would keep the test process alive.
  try {
    // 8081 was 1 port above the main one, and is 9 below it now: while both revisions serve, no one
    // port reaches it on every worker. Requests to both ports keep being served all along, each by
    // the port it names: the new revision also declares the port 1 above its main one, where a
    // service-port request sent for the old revision would reach it.
    const loops = [startLoop(`${twoPortsRoute()}?ms=20`, platform.token, 2), startLoop(`${twoPortsRoute()}?ms=20`, platform.token, 2, { headers: { 'x-everai-port': '8081' } })];
    const upgrade = upgradeTo(dir, 'two-ports', twoPortsManifest(image, 8090, { misdirected: [8091] }));
    const [main, service] = await stopAfter(upgrade, () => Promise.all(loops.map((loop) => loop.stop())));
    assert.deepEqual([main?.failures, service?.failures], [[], []]);
    assert.ok((main?.ok ?? 0) > 0 && (service?.ok ?? 0) > 0);
    const after: number[] = [];
    for (let round = 0; round < 3; round++) after.push(await heldOnBothPorts());
    const drainingOld = (await workersJson(platform, 'two-ports')).filter((w) => w.appRevision === 1 && w.status === 'STATUS_RUNNING' && w.detailStatus === 'DETAIL_STATUS_REMOVE');
    assert.equal(Math.max(...after), 1, `a worker of revision 2 held ${Math.max(...after)} requests at once`);
    assert.equal(drainingOld.length, 1, 'an old worker still drained after the rounds');
  } finally {
    lingering.abort();
    await lingered;
  }
});

test('an upgrade under a queue: each new worker (concurrency 1) holds one request at a time as HAProxy takes it in', { skip: DEBIAN_IMAGE_MISSING }, async () => {
  const image = await pushDebianPythonImage(platform);
  const dir = await deployTwoPorts(image, 'queued-upgrade');
  // Six clients of the main port on two workers of concurrency 1: HAProxy's queue holds requests
  // all through the upgrade, as each new worker joins and each old one drains.
  const loop = startLoop(`${twoPortsRoute('queued-upgrade')}?ms=20`, platform.token, 6);
  const report = await stopAfter(upgradeTo(dir, 'queued-upgrade', twoPortsManifest(image, 8090, { name: 'queued-upgrade' })), () => loop.stop());
  assert.deepEqual(report.failures, []);
  assert.ok(report.ok > 0);
  // Each answer is the most requests its worker held at once so far.
  assert.deepEqual([...report.bodies].sort(), ['1'], `a worker held ${[...report.bodies].sort().at(-1)} requests at once`);
});
