import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export interface WrkLoad {
  url: string;
  threads: number;
  connections: number;
  seconds: number;
  headers: Record<string, string>;
  /** A Lua script (`wrk -s`) that picks each request's path, e.g. one route after another. */
  script?: string;
}

export interface WrkResult {
  requestsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  /** Non-2xx/3xx answers plus socket errors: a run with any is not a fair figure. */
  failed: number;
}

// wrk prints each latency with the unit that suits it (`format_time_us` in its units.c).
const MS_PER_UNIT: Readonly<Record<string, number>> = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

function match(text: string, pattern: RegExp, what: string): RegExpExecArray {
  const found = pattern.exec(text);
  if (!found) throw new Error(`wrk printed no ${what}:\n${text}`);
  return found;
}

function percentileMs(text: string, percent: number): number {
  const [, value, unit = ''] = match(text, new RegExp(`^\\s*${percent}%\\s+([\\d.]+)(us|ms|s|m|h)\\s*$`, 'm'), `${percent}% latency`);
  const scale = MS_PER_UNIT[unit];
  if (scale === undefined) throw new Error(`wrk printed an unknown latency unit '${unit}'`);
  return Number(value) * scale;
}

/** Reads wrk's `--latency` report. */
function parseWrkOutput(text: string): WrkResult {
  const nonSuccess = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(text)?.[1] ?? 0);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text);
  const socketErrors = socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0;
  return {
    requestsPerSec: Number(match(text, /^Requests\/sec:\s+([\d.]+)/m, 'Requests/sec')[1]),
    p50Ms: percentileMs(text, 50),
    p99Ms: percentileMs(text, 99),
    requests: Number(match(text, /(\d+) requests in/, 'request count')[1]),
    failed: nonSuccess + socketErrors,
  };
}

/** Runs wrk once (keep-alive connections, as wrk always uses) and parses its report. */
export async function runWrk(wrk: string, load: WrkLoad): Promise<WrkResult> {
  const args = ['-t', String(load.threads), '-c', String(load.connections), '-d', `${load.seconds}s`, '--latency'];
  for (const [name, value] of Object.entries(load.headers)) args.push('-H', `${name}: ${value}`);
  if (load.script !== undefined) args.push('-s', load.script);
  args.push(load.url);
  // wrk stops itself after `seconds`; the margin only catches a wrk that hangs.
  const { stdout } = await execFileAsync(wrk, args, { timeout: (load.seconds + 30) * 1000 });
  return parseWrkOutput(stdout);
}

/**
 * A wrk script whose requests take `paths` in turn (the URL given to wrk names the host only):
 * load spread evenly over several routes. Each wrk thread starts at the first.
 */
export function roundRobinScript(paths: readonly string[]): string {
  return [
    `local paths = { ${paths.map((p) => JSON.stringify(p)).join(', ')} }`,
    'local next = 0',
    'request = function()',
    '  next = next % #paths + 1',
    '  return wrk.format(nil, paths[next])',
    'end',
    '',
  ].join('\n');
}
