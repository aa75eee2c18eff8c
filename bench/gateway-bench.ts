import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AppView, WorkerView } from '../src/contract/api-views';
import { copyExampleApp, deployApp, editFile, workersJson } from '../test/helpers/app-fixture';
import type { TestPlatform } from '../test/helpers/platform';
import { runtimeCommand } from '../src/server/gateway/haproxy/runtime-socket';
import { haproxyPids, processTree, workerPids } from '../test/helpers/process-tree';
import { printGatewayReport, type CpuPart, type LoadResults, type MeasuredLoad, type SpreadPlane, type SpreadResults, type TargetName } from './gateway-report';
import { startNginxProxy, type NginxProxy } from './nginx';
import { onRuntime } from './on-runtime';
import { cpuSnapshot, cpuSpentSince, sleepSnapshot, sleepsSince } from './process-cpu';
import { median } from './stats';
import { requireTools } from './tools';
import { workerPort } from './worker-port';
import { roundRobinScript, runWrk, type WrkLoad } from './wrk';

/**
 * The gateway's cost: GET /hello on one worker, straight to the worker, through nginx (the
 * reference proxy), through the Node gateway and through the HAProxy data plane, all in one run on one machine, reported as ratios
 * because absolute figures on a shared machine mean little.
 */

const WARMUP_S = 1;
const MEASURE_S = 5;
/**
 * Each target of the one-worker figures is measured this many times, the order reversed each round,
 * and its figure is its median round: on a shared machine one run of each swung the HAProxy/nginx
 * ratio from 0.81 to 0.92, and a drift over the minutes the bench takes no longer favours the
 * targets measured first.
 */
const ROUNDS = 3;
/** Well above the 32 connections, so the gateway never queues and the worker is never the limit. */
const APP_CONCURRENCY = 64;
/** The many-apps case: this many apps with this many workers each behind the gateway at once. */
const SPREAD_APPS = 5;
const SPREAD_WORKERS = 4;
/**
 * The many apps' workers are fresh: each needs some thousands of requests before V8 has optimised
 * its hot path, and until then it, not the gateway, sets the pace. Through a plane that spreads 32
 * connections over 20 workers on 2 CPUs, each got about 90 a second: after 10 s of that they still
 * spent 900 µs of CPU a request, after 40 s 213 µs (one warm worker: 60-80 µs). So each is first
 * warmed on its own port, at its own full speed, for WORKER_WARMUP_S, then through the plane.
 */
const WORKER_WARMUP_S = 1;
/**
 * Each target's path under load, untimed, before the first figure. The rounds began at c=1 on a
 * fresh server and worker, and a run's 1 s warm-up did not cover V8's compiling: the Node gateway,
 * relaying through HAProxy, did 586 req/s at c=1 in its first 3 s on a fresh server and 1,738 req/s
 * in the 10 s after.
 */
const TARGET_WARMUP_S = 5;
const SPREAD_WARMUP_S = 10;

interface Target {
  url: string;
  headers: Record<string, string>;
}

/**
 * The get-start example as app `name`, with room for every connection wrk opens; with `workers`,
 * it keeps exactly that many (an autoscaler with that minimum and maximum).
 */
async function deployBenchApp(platform: TestPlatform, name = 'get-start', workers?: number): Promise<AppView> {
  const dir = copyExampleApp(platform);
  const scaling = workers === undefined ? '' : `\n  autoscaler: new SimpleAutoScaler({ minWorkers: ${workers}, maxWorkers: ${workers} }),`;
  editFile(join(dir, 'app.ts'), (text) => {
    const edited = text
      .replace("import { App, Image } from 'everai';", "import { App, Image, SimpleAutoScaler } from 'everai';")
      .replace(/new App\(\s*(['"])get-start\1\s*,\s*\{/, () => `new App('${name}', {\n  concurrency: ${APP_CONCURRENCY},${scaling}`);
    if (!edited.includes(`concurrency: ${APP_CONCURRENCY}`)) throw new Error(`examples/get-start/app.ts has no \`new App('get-start', {\` to add concurrency to`);
    return edited;
  });
  const app = await deployApp(platform, dir, name);
  if (app.concurrency !== APP_CONCURRENCY) throw new Error(`the app deployed with concurrency ${app.concurrency}, not ${APP_CONCURRENCY}`);
  return app;
}

async function readyWorkers(platform: TestPlatform, app: string): Promise<WorkerView[]> {
  const live = await workersJson(platform, app, false);
  return live.filter((w) => w.detailStatus === 'DETAIL_STATUS_FREE' || w.detailStatus === 'DETAIL_STATUS_BUSY');
}

/** The Node server behind HAProxy, as HAProxy's generated config names it. */
function nodeGatewayUrl(platform: TestPlatform): string {
  const config = readFileSync(join(platform.dataDir, 'haproxy', 'haproxy.cfg'), 'utf8');
  const address = /^\s*server node (\S+)$/m.exec(config)?.[1];
  if (!address) throw new Error('the HAProxy config names no Node server');
  return `http://${address}`;
}

/**
 * How many requests HAProxy served alone and how many it sent to the Node server: the haproxy
 * figures are HAProxy's own only when nearly all were the former.
 */
async function printHaproxySplit(platform: TestPlatform): Promise<void> {
  const csv = await runtimeCommand(join(platform.dataDir, 'haproxy', 'haproxy.sock'), 'show stat');
  const [header = '', ...rows] = csv.split('\n');
  const stot = header.replace(/^# /, '').split(',').indexOf('stot');
  const total = (prefix: string) => rows.filter((r) => r.startsWith(prefix)).reduce((sum, r) => sum + Number(r.split(',')[stot]), 0);
  process.stderr.write(`  HAProxy served ${total('app_') / 2} requests straight from the worker, and sent ${total('node,BACKEND')} to the Node server\n`);
}

/** One request to each, so a wrong URL or token fails here and not as a fast stream of errors. */
async function checkTargets(targets: Record<string, Target>): Promise<void> {
  const bodies = new Map<string, string>();
  for (const [name, target] of Object.entries(targets)) {
    const res = await fetch(target.url, { headers: target.headers });
    const body = await res.text();
    if (res.status !== 200) throw new Error(`${name} (${target.url}) answered ${res.status}: ${body.slice(0, 200)}`);
    bodies.set(name, body);
  }
  if (new Set(bodies.values()).size !== 1) throw new Error(`the targets answered differently: ${JSON.stringify([...bodies])}`);
}

/** The processes of each part a load runs through, looked up just before it is measured. */
type Parts = Record<CpuPart, () => number[]>;

/**
 * One figure: a warm-up, then the measured run, with the CPU each part spent on it per request
 * (from /proc, so it holds on a machine shared with other work, where req/s swing).
 */
async function measureOne(wrk: string, load: Omit<WrkLoad, 'seconds'>, parts: Parts, warmupS = WARMUP_S): Promise<MeasuredLoad> {
  // The warm-up opens the connections and lets V8 optimise the hot path before it counts.
  await runWrk(wrk, { ...load, seconds: warmupS });
  const before = Object.entries(parts).map(([part, find]) => {
    const pids = find();
    return { part: part as CpuPart, cpu: cpuSnapshot(pids), sleeps: sleepSnapshot(pids) };
  });
  const result = await runWrk(wrk, { ...load, seconds: MEASURE_S });
  const perRequest = (figure: (snapshot: (typeof before)[number]) => number) =>
    Object.fromEntries(before.map((snapshot) => [snapshot.part, figure(snapshot) / Math.max(1, result.requests)])) as Record<CpuPart, number>;
  return { ...result, cpuUsPerRequest: perRequest(({ cpu }) => cpuSpentSince(cpu) * 1e6), sleepsPerRequest: perRequest(({ sleeps }) => sleepsSince(sleeps)) };
}

/** Runs every target at c=32 for TARGET_WARMUP_S, one after another, measuring nothing. */
async function warmTargets(wrk: string, targets: Record<TargetName, Target>): Promise<void> {
  for (const [name, { url, headers }] of Object.entries(targets)) {
    process.stderr.write(`  warming ${name}: wrk -t2 -c32, ${TARGET_WARMUP_S} s\n`);
    await runWrk(wrk, { url, headers, threads: 2, connections: 32, seconds: TARGET_WARMUP_S });
  }
}

/** A target's figure from its rounds: the round of median throughput, with the failures of all of them. */
function medianRound(rounds: readonly MeasuredLoad[]): MeasuredLoad {
  const middle = median(rounds.map((r) => r.requestsPerSec));
  const chosen = rounds.find((r) => r.requestsPerSec === middle) as MeasuredLoad;
  return { ...chosen, failed: rounds.reduce((sum, r) => sum + r.failed, 0) };
}

async function measureLoad(wrk: string, targets: Record<TargetName, Target>, threads: number, connections: number, parts: Parts): Promise<LoadResults> {
  const names = Object.keys(targets) as TargetName[];
  const rounds = new Map<TargetName, MeasuredLoad[]>(names.map((name) => [name, []]));
  for (let round = 1; round <= ROUNDS; round++) {
    for (const name of round % 2 === 1 ? names : [...names].reverse()) {
      const { url, headers } = targets[name];
      process.stderr.write(`  wrk -t${threads} -c${connections}, round ${round} of ${ROUNDS}: ${name}\n`);
      rounds.get(name)?.push(await measureOne(wrk, { url, headers, threads, connections }, parts));
    }
  }
  const results = Object.fromEntries(names.map((name) => [name, medianRound(rounds.get(name) ?? [])]));
  return { connections, results: results as Record<TargetName, MeasuredLoad> };
}

/** Runs each worker's hot path straight on its port, one worker after another (WORKER_WARMUP_S). */
async function warmWorkers(platform: TestPlatform, wrk: string, workers: readonly WorkerView[]): Promise<void> {
  process.stderr.write(`  warming ${workers.length} workers, ${WORKER_WARMUP_S} s each, straight on their ports\n`);
  for (const worker of workers) {
    await runWrk(wrk, { url: `http://127.0.0.1:${workerPort(platform.dataDir, worker.id)}/hello`, headers: {}, threads: 1, connections: 8, seconds: WORKER_WARMUP_S });
  }
}

/** The apps' ready workers, once each app has `count` (an app's new workers start one by one). */
async function untilWorkers(platform: TestPlatform, apps: readonly AppView[], count: number): Promise<WorkerView[]> {
  const deadline = Date.now() + 180_000;
  for (;;) {
    const ready = await Promise.all(apps.map((app) => readyWorkers(platform, app.name)));
    if (ready.every((workers) => workers.length === count)) return ready.flat();
    if (Date.now() > deadline) throw new Error(`the apps did not reach ${count} ready workers each: ${ready.map((w) => w.length).join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/**
 * The many-apps case: SPREAD_APPS apps of SPREAD_WORKERS workers each, wrk taking their routes in
 * turn, against the one app of one worker the other figures use, through the same wrk script, on
 * each plane: more apps and workers behind the gateway should cost it no throughput. Also against
 * one app of as many workers as the apps hold together: on a machine with few CPUs, more worker
 * processes cost throughput whatever is in front of them, and that pair tells what more apps cost.
 */
async function measureSpread(platform: TestPlatform, wrk: string, one: { app: AppView; worker: WorkerView }, planes: Record<SpreadPlane, Target>, parts: Omit<Parts, 'worker'>): Promise<SpreadResults> {
  process.stderr.write(`  deploying ${SPREAD_APPS} apps of ${SPREAD_WORKERS} workers each\n`);
  const apps: AppView[] = [];
  for (let i = 1; i <= SPREAD_APPS; i++) apps.push(await deployBenchApp(platform, `spread-${i}`, SPREAD_WORKERS));
  const workers = await untilWorkers(platform, apps, SPREAD_WORKERS);
  process.stderr.write(`  deploying one app of ${SPREAD_APPS * SPREAD_WORKERS} workers\n`);
  const pool = await deployBenchApp(platform, 'pool', SPREAD_APPS * SPREAD_WORKERS);
  const poolWorkers = await untilWorkers(platform, [pool], SPREAD_APPS * SPREAD_WORKERS);
  await warmWorkers(platform, wrk, [...workers, ...poolWorkers]);
  const routePath = (app: AppView) => `/api/apps/v1/routes/${app.routeName}/hello`;
  const dir = mkdtempSync(join(tmpdir(), 'everai-bench-wrk-'));
  try {
    const scripts = { one: join(dir, 'one.lua'), pool: join(dir, 'pool.lua'), spread: join(dir, 'spread.lua') };
    writeFileSync(scripts.one, roundRobinScript([routePath(one.app)]));
    writeFileSync(scripts.pool, roundRobinScript([routePath(pool)]));
    writeFileSync(scripts.spread, roundRobinScript(apps.map(routePath)));
    const results = {} as SpreadResults;
    for (const [plane, target] of Object.entries(planes) as [SpreadPlane, Target][]) {
      const origin = new URL(target.url).origin;
      await checkTargets(Object.fromEntries([...apps, pool].map((app) => [app.name, { url: `${origin}${routePath(app)}`, headers: target.headers }])));
      const load = { url: origin, headers: target.headers, threads: 2, connections: 32 };
      process.stderr.write(`  wrk -t2 -c32, one app, one app of ${SPREAD_APPS * SPREAD_WORKERS} workers, then ${SPREAD_APPS} apps: ${plane}\n`);
      results[plane] = {
        one: await measureOne(wrk, { ...load, script: scripts.one }, { ...parts, worker: () => workerPids(one.worker.id) }),
        pool: await measureOne(wrk, { ...load, script: scripts.pool }, { ...parts, worker: () => poolWorkers.flatMap((w) => workerPids(w.id)) }, SPREAD_WARMUP_S),
        spread: await measureOne(wrk, { ...load, script: scripts.spread }, { ...parts, worker: () => workers.flatMap((w) => workerPids(w.id)) }, SPREAD_WARMUP_S),
      };
    }
    return results;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(): Promise<void> {
  const tools = requireTools({ wrk: 'wrk', nginx: 'nginx', haproxy: 'haproxy' });
  // Debian puts HAProxy in /usr/sbin, which a non-root PATH may lack: the server is told where it is.
  process.env.EVERAI_HAPROXY = tools.haproxy;
  process.stderr.write('gateway bench: starting a server and deploying get-start\n');
  // The HAProxy data plane, with the Node gateway behind it on loopback: both planes reach the same
  // worker. Workers run as processes, so every target reaches the worker on loopback, as the
  // plane's figures have always been measured, whatever runtime the machine's tests use.
  await onRuntime('process', (platform) => measureGateway(platform, tools), ['--data-plane', 'haproxy']);
}

async function measureGateway(platform: TestPlatform, tools: { wrk: string; nginx: string }): Promise<void> {
  let nginx: NginxProxy | undefined;
  try {
    const app = await deployBenchApp(platform);
    const [worker, ...others] = await readyWorkers(platform, app.name);
    if (!worker || others.length > 0) throw new Error(`expected one ready worker, found ${others.length + (worker ? 1 : 0)}`);
    const port = workerPort(platform.dataDir, worker.id);
    const proxy = await startNginxProxy(tools.nginx, port);
    nginx = proxy;
    const auth = { Authorization: `Bearer ${platform.token}` };
    const targets: Record<TargetName, Target> = {
      direct: { url: `http://127.0.0.1:${port}/hello`, headers: {} },
      nginx: { url: `${proxy.url}/hello`, headers: {} },
      haproxy: { url: `${platform.url}/api/apps/v1/routes/${app.routeName}/hello`, headers: auth },
      gateway: { url: `${nodeGatewayUrl(platform)}/api/apps/v1/routes/${app.routeName}/hello`, headers: auth },
    };
    await checkTargets(targets);
    const proxies = {
      server: () => [platform.pid],
      haproxy: () => haproxyPids(platform.dataDir),
      nginx: () => processTree(proxy.pid).map((p) => p.pid),
    };
    const parts: Parts = { ...proxies, worker: () => workerPids(worker.id) };

    await warmTargets(tools.wrk, targets);
    const single = await measureLoad(tools.wrk, targets, 1, 1, parts);
    const many = await measureLoad(tools.wrk, targets, 2, 32, parts);
    // Had the autoscaler added a worker, the gateway's figures would spread over more workers than the others'.
    const workersAfter = (await readyWorkers(platform, app.name)).length;
    const spread = await measureSpread(platform, tools.wrk, { app, worker }, { haproxy: targets.haproxy, gateway: targets.gateway }, proxies);
    await printHaproxySplit(platform);
    printGatewayReport({ single, many, spread, spreadApps: SPREAD_APPS, spreadWorkers: SPREAD_WORKERS, cpus: cpus().length, workersAfter, warmupS: WARMUP_S, targetWarmupS: TARGET_WARMUP_S, measureS: MEASURE_S, rounds: ROUNDS });
  } finally {
    await nginx?.stop();
  }
}
