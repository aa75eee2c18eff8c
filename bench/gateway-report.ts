import { renderTable } from '../src/cli/output';
import type { WrkResult } from './wrk';

/** gateway: the Node data plane; haproxy: the HAProxy data plane in front of it, on the same worker. */
export type TargetName = 'direct' | 'nginx' | 'gateway' | 'haproxy';
const TARGETS: readonly TargetName[] = ['direct', 'nginx', 'gateway', 'haproxy'];

/** The processes whose CPU a figure counts: the Node server, HAProxy, nginx and the app's workers. */
export type CpuPart = 'server' | 'haproxy' | 'nginx' | 'worker';
const PARTS: readonly CpuPart[] = ['server', 'haproxy', 'nginx', 'worker'];

/** wrk's figures, and the CPU microseconds each part spent per request meanwhile. */
export interface MeasuredLoad extends WrkResult {
  cpuUsPerRequest: Record<CpuPart, number>;
  /** How often each part's main thread went to sleep, a request (process-cpu.ts: sleepSnapshot). */
  sleepsPerRequest: Record<CpuPart, number>;
}

export interface LoadResults {
  connections: number;
  results: Record<TargetName, MeasuredLoad>;
}

/** The planes measured with many apps. */
export type SpreadPlane = 'haproxy' | 'gateway';
/** Per plane: one app of one worker, and the apps of the many-apps case, both through wrk's round-robin script. */
/** Per plane: one app of one worker, one app of all the spread's workers, and the spread over several apps. */
export type SpreadResults = Record<SpreadPlane, { one: MeasuredLoad; pool: MeasuredLoad; spread: MeasuredLoad }>;

export interface GatewayReport {
  /** wrk -t1 -c1: the latency one request pays. */
  single: LoadResults;
  /** wrk -t2 -c32: the throughput under load. */
  many: LoadResults;
  spread: SpreadResults;
  spreadApps: number;
  spreadWorkers: number;
  cpus: number;
  workersAfter: number;
  warmupS: number;
  /** Each target ran this long at c=32, untimed, before the first round. */
  targetWarmupS: number;
  measureS: number;
  /** The one-worker figures are each the median of this many rounds. */
  rounds: number;
}

// Fixed decimals keep a column's figures aligned in the plain table, which left-aligns strings.
const ms = (value: number) => value.toFixed(3);
const signedMs = (value: number) => `${value < 0 ? '' : '+'}${ms(value)}`;
const ratio = (over: number, under: number) => (over / under).toFixed(2);

function latencyTable(loads: readonly LoadResults[]): string {
  const rows = loads.flatMap(({ connections, results }) =>
    TARGETS.map((name) => ({ connections, name, result: results[name], direct: results.direct })),
  );
  return renderTable(rows, [
    { header: 'CONNECTIONS', value: (r) => r.connections },
    { header: 'TARGET', value: (r) => r.name },
    { header: 'REQ/S', value: (r) => Math.round(r.result.requestsPerSec) },
    { header: 'P50_MS', value: (r) => ms(r.result.p50Ms) },
    { header: 'P99_MS', value: (r) => ms(r.result.p99Ms) },
    // Added latency: this proxy's percentile minus the direct one's, at the same load.
    { header: 'ADDED_P50_MS', value: (r) => (r.name === 'direct' ? '-' : signedMs(r.result.p50Ms - r.direct.p50Ms)) },
    { header: 'ADDED_P99_MS', value: (r) => (r.name === 'direct' ? '-' : signedMs(r.result.p99Ms - r.direct.p99Ms)) },
    { header: 'FAILED', value: (r) => r.result.failed },
  ]);
}

function ratioTable(loads: readonly LoadResults[]): string {
  const rps = (load: LoadResults, name: TargetName) => load.results[name].requestsPerSec;
  return renderTable(loads, [
    { header: 'CONNECTIONS', value: (l) => l.connections },
    { header: 'GATEWAY/NGINX', value: (l) => ratio(rps(l, 'gateway'), rps(l, 'nginx')) },
    { header: 'HAPROXY/NGINX', value: (l) => ratio(rps(l, 'haproxy'), rps(l, 'nginx')) },
    { header: 'GATEWAY/DIRECT', value: (l) => ratio(rps(l, 'gateway'), rps(l, 'direct')) },
    { header: 'NGINX/DIRECT', value: (l) => ratio(rps(l, 'nginx'), rps(l, 'direct')) },
  ]);
}

/** The parts that proxy each target's requests to the worker. */
const PROXY_PARTS: Readonly<Record<TargetName, readonly CpuPart[]>> = { direct: [], nginx: ['nginx'], gateway: ['server'], haproxy: ['server', 'haproxy'] };
/** The process whose event loop carries each plane's requests. */
const SLEEPING_PROXY: Readonly<Record<SpreadPlane, CpuPart>> = { haproxy: 'haproxy', gateway: 'server' };
/** What the proxy in front of the worker spends per request. */
const proxyUs = (load: MeasuredLoad, target: TargetName): number => PROXY_PARTS[target].reduce((sum, part) => sum + load.cpuUsPerRequest[part], 0);

function cpuTable(loads: readonly LoadResults[]): string {
  const rows = loads.flatMap(({ connections, results }) => TARGETS.map((name) => ({ connections, name, result: results[name], nginx: results.nginx })));
  return renderTable(rows, [
    { header: 'CONNECTIONS', value: (r) => r.connections },
    { header: 'TARGET', value: (r) => r.name },
    ...PARTS.map((part) => ({ header: `${part.toUpperCase()}_US`, value: (r: (typeof rows)[number]) => r.result.cpuUsPerRequest[part].toFixed(1) })),
    { header: 'PROXY_US', value: (r) => proxyUs(r.result, r.name).toFixed(1) },
    { header: 'PROXY/NGINX', value: (r) => (r.name === 'direct' ? '-' : ratio(proxyUs(r.result, r.name), proxyUs(r.nginx, 'nginx'))) },
  ]);
}

function spreadTable(spread: SpreadResults): string {
  return renderTable(Object.entries(spread) as [SpreadPlane, SpreadResults[SpreadPlane]][], [
    { header: 'PLANE', value: ([plane]) => plane },
    { header: 'ONE_APP_REQ/S', value: ([, r]) => Math.round(r.one.requestsPerSec) },
    { header: 'MANY_APPS_REQ/S', value: ([, r]) => Math.round(r.spread.requestsPerSec) },
    { header: 'MANY/ONE', value: ([, r]) => ratio(r.spread.requestsPerSec, r.one.requestsPerSec) },
    { header: 'POOL_REQ/S', value: ([, r]) => Math.round(r.pool.requestsPerSec) },
    { header: 'MANY/POOL', value: ([, r]) => ratio(r.spread.requestsPerSec, r.pool.requestsPerSec) },
    { header: 'ONE_PROXY_US', value: ([plane, r]) => proxyUs(r.one, plane).toFixed(1) },
    { header: 'POOL_PROXY_US', value: ([plane, r]) => proxyUs(r.pool, plane).toFixed(1) },
    { header: 'MANY_PROXY_US', value: ([plane, r]) => proxyUs(r.spread, plane).toFixed(1) },
    // Why the proxy's CPU a request grows with the workers, in one app or several: it sleeps and wakes about once a request.
    ...(['one', 'pool', 'spread'] as const).map((load) => ({
      header: `${load === 'spread' ? 'MANY' : load.toUpperCase()}_PROXY_SLEEPS`,
      value: ([plane, r]: [SpreadPlane, SpreadResults[SpreadPlane]]) => r[load].sleepsPerRequest[SLEEPING_PROXY[plane]].toFixed(2),
    })),
    // Where the many apps' CPU goes: the proxy's parts and the workers (20 processes on the same CPUs).
    ...PARTS.filter((part) => part !== 'nginx').map((part) => ({
      header: `MANY_${part.toUpperCase()}_US`,
      value: ([, r]: [SpreadPlane, SpreadResults[SpreadPlane]]) => r.spread.cpuUsPerRequest[part].toFixed(1),
    })),
    { header: 'FAILED', value: ([, r]) => r.one.failed + r.pool.failed + r.spread.failed },
  ]);
}

/** A target line; a figure from a run with failed requests is not judged, as errors are fast. */
function verdict(goal: string, figure: string, met: boolean, runs: readonly WrkResult[]): string {
  const failed = runs.reduce((sum, r) => sum + r.failed, 0);
  const outcome = failed > 0 ? `NOT JUDGED (${failed} failed requests)` : met ? 'met' : 'MISSED';
  return `  ${goal}: ${figure}  ${outcome}`;
}

export function printGatewayReport(report: GatewayReport): void {
  const spreadLabel = `${report.spreadApps} apps of ${report.spreadWorkers} workers`;
  const { single, many } = report;
  const loads = [single, many];
  const throughput = many.results.gateway.requestsPerSec / many.results.nginx.requestsPerSec;
  const addedP50 = single.results.gateway.p50Ms - single.results.direct.p50Ms;
  const haproxyThroughput = many.results.haproxy.requestsPerSec / many.results.nginx.requestsPerSec;
  const haproxyAddedP50 = single.results.haproxy.p50Ms - single.results.direct.p50Ms;
  console.log(
    [
      '',
      `Gateway vs nginx vs direct: GET /hello on one worker, each target first run ${report.targetWarmupS} s at c=32 untimed, then wrk ${report.measureS} s per run after ${report.warmupS} s warm-up; each figure is its target's median of ${report.rounds} runs, the targets' order reversed each round.`,
      `${report.cpus} CPUs, shared by wrk, nginx (1 worker process), HAProxy (1 thread), the server and the worker (a process, reached on loopback): compare ratios, not absolutes.`,
      '',
      latencyTable(loads),
      '',
      'Throughput ratios (req/s over req/s)',
      ratioTable(loads),
      '',
      'CPU per request (microseconds, from /proc; the proxy: nginx, the server, or the server and HAProxy)',
      cpuTable(loads),
      '',
      `${spreadLabel}, against one app of one worker and one app of as many workers (POOL), all through a wrk script, c=32`,
      "PROXY_SLEEPS: how often the proxy's event loop (HAProxy's, or the server's for the Node gateway) went to sleep, a request",
      spreadTable(report.spread),
      '',
      'Targets',
      verdict('gateway throughput >= 0.5x nginx at c=32', `${throughput.toFixed(2)}x`, throughput >= 0.5, [
        many.results.gateway,
        many.results.nginx,
      ]),
      verdict('gateway p50 added <= 0.3 ms at c=1', `${signedMs(addedP50)} ms`, addedP50 <= 0.3, [
        single.results.gateway,
        single.results.direct,
      ]),
      verdict('haproxy data plane throughput >= 0.9x nginx at c=32', `${haproxyThroughput.toFixed(2)}x`, haproxyThroughput >= 0.9, [
        many.results.haproxy,
        many.results.nginx,
      ]),
      verdict('haproxy data plane p50 added <= 0.05 ms at c=1', `${signedMs(haproxyAddedP50)} ms`, haproxyAddedP50 <= 0.05, [
        single.results.haproxy,
        single.results.direct,
      ]),
      ...(['haproxy', 'gateway'] as const).flatMap((plane) => {
        const { one, pool, spread } = report.spread[plane];
        const kept = spread.requestsPerSec / one.requestsPerSec;
        return [
          verdict(`${plane} with ${spreadLabel} >= 0.9x one app's throughput`, `${kept.toFixed(2)}x`, kept >= 0.9, [one, spread]),
          // Not a target of its own: what more apps cost with the number of worker processes held equal.
          `    (against one app of the same workers: ${ratio(spread.requestsPerSec, pool.requestsPerSec)}x)`,
        ];
      }),
      ...(report.workersAfter === 1
        ? []
        : ['', `WARNING: the app had ${report.workersAfter} ready workers after the run; the gateway figures may spread over them.`]),
      '',
    ].join('\n'),
  );
}
