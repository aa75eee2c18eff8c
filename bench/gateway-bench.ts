import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import type { AppView, WorkerView } from '../src/contract/api-views';
import { copyExampleApp, deployApp, editFile, workersJson } from '../test/helpers/app-fixture';
import { startTestPlatform, type TestPlatform } from '../test/helpers/platform';
import { runtimeCommand } from '../src/server/haproxy/runtime-socket';
import { printGatewayReport, type LoadResults, type TargetName } from './gateway-report';
import { startNginxProxy, type NginxProxy } from './nginx';
import { requireTools } from './tools';
import { workerPort } from './worker-port';
import { runWrk, type WrkResult } from './wrk';

/**
 * The gateway's cost: GET /hello on one worker, straight to the worker, through nginx (the
 * reference proxy), through the Node gateway and through the HAProxy data plane, all in one run on one machine, reported as ratios
 * because absolute figures on a shared machine mean little.
 */

const WARMUP_S = 1;
const MEASURE_S = 5;
/** Well above the 32 connections, so the gateway never queues and the worker is never the limit. */
const APP_CONCURRENCY = 64;

interface Target {
  url: string;
  headers: Record<string, string>;
}

/** The get-start example with room for every connection wrk opens. */
async function deployBenchApp(platform: TestPlatform, dir: string): Promise<AppView> {
  editFile(join(dir, 'app.ts'), (text) => {
    const edited = text.replace(/new App\(\s*(['"])get-start\1\s*,\s*\{/, (opening) => `${opening}\n  concurrency: ${APP_CONCURRENCY},`);
    if (edited === text) throw new Error(`examples/get-start/app.ts has no \`new App('get-start', {\` to add concurrency to`);
    return edited;
  });
  const app = await deployApp(platform, dir);
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
async function checkTargets(targets: Record<TargetName, Target>): Promise<void> {
  const bodies = new Map<TargetName, string>();
  for (const [name, target] of Object.entries(targets) as [TargetName, Target][]) {
    const res = await fetch(target.url, { headers: target.headers });
    const body = await res.text();
    if (res.status !== 200) throw new Error(`${name} (${target.url}) answered ${res.status}: ${body.slice(0, 200)}`);
    bodies.set(name, body);
  }
  if (new Set(bodies.values()).size !== 1) throw new Error(`the targets answered differently: ${JSON.stringify([...bodies])}`);
}

async function measureLoad(wrk: string, targets: Record<TargetName, Target>, threads: number, connections: number): Promise<LoadResults> {
  const results = {} as Record<TargetName, WrkResult>;
  for (const [name, target] of Object.entries(targets) as [TargetName, Target][]) {
    process.stderr.write(`  wrk -t${threads} -c${connections}: ${name}\n`);
    const load = { url: target.url, headers: target.headers, threads, connections };
    // The warm-up opens the connections and lets V8 optimise the hot path before it counts.
    await runWrk(wrk, { ...load, seconds: WARMUP_S });
    results[name] = await runWrk(wrk, { ...load, seconds: MEASURE_S });
  }
  return { connections, results };
}

export async function run(): Promise<void> {
  const tools = requireTools({ wrk: 'wrk', nginx: 'nginx', haproxy: 'haproxy' });
  // Debian puts HAProxy in /usr/sbin, which a non-root PATH may lack: the server is told where it is.
  process.env.EVERAI_HAPROXY = tools.haproxy;
  process.stderr.write('gateway bench: starting a server and deploying get-start\n');
  // The HAProxy data plane, with the Node gateway behind it on loopback: both planes reach the same worker.
  const platform = await startTestPlatform(['--data-plane', 'haproxy']);
  let nginx: NginxProxy | undefined;
  try {
    const app = await deployBenchApp(platform, copyExampleApp(platform));
    const [worker, ...others] = await readyWorkers(platform, app.name);
    if (!worker || others.length > 0) throw new Error(`expected one ready worker, found ${others.length + (worker ? 1 : 0)}`);
    const port = workerPort(platform.dataDir, worker.id);
    nginx = await startNginxProxy(tools.nginx, port);
    const targets: Record<TargetName, Target> = {
      direct: { url: `http://127.0.0.1:${port}/hello`, headers: {} },
      nginx: { url: `${nginx.url}/hello`, headers: {} },
      haproxy: {
        url: `${platform.url}/api/apps/v1/routes/${app.routeName}/hello`,
        headers: { Authorization: `Bearer ${platform.token}` },
      },
      gateway: {
        url: `${nodeGatewayUrl(platform)}/api/apps/v1/routes/${app.routeName}/hello`,
        headers: { Authorization: `Bearer ${platform.token}` },
      },
    };
    await checkTargets(targets);

    const single = await measureLoad(tools.wrk, targets, 1, 1);
    const many = await measureLoad(tools.wrk, targets, 2, 32);
    await printHaproxySplit(platform);
    // Had the autoscaler added a worker, the gateway's figures would spread over more workers than the others'.
    const workersAfter = (await readyWorkers(platform, app.name)).length;
    printGatewayReport({ single, many, cpus: cpus().length, workersAfter, warmupS: WARMUP_S, measureS: MEASURE_S });
  } finally {
    try {
      await nginx?.stop();
    } finally {
      await platform.stop();
    }
  }
}
