import { readdirSync, readFileSync } from 'node:fs';

/**
 * Resident memory of processes, from /proc, for the idle-worker figure: a worker is all of its
 * processes (tini, node, and under tsx its esbuild service), found by the `EVERAI_WORKER_ID` every
 * runtime gives them, in a container too (its processes are in the host's /proc).
 */

function readOr(path: string, fallback: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return fallback; // Gone meanwhile, or not ours to read.
  }
}

/** Kilobytes resident (VmRSS) of these processes together. */
export function rssKb(pids: readonly number[]): number {
  return pids.reduce((sum, pid) => sum + Number(/VmRSS:\s+(\d+)/.exec(readOr(`/proc/${pid}/status`, ''))?.[1] ?? 0), 0);
}

/** Every process whose environment holds `EVERAI_WORKER_ID=id`. */
export function workerPids(workerId: string): number[] {
  const entry = `EVERAI_WORKER_ID=${workerId}`;
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((name) => readOr(`/proc/${name}/environ`, '').split('\0').includes(entry))
    .map(Number);
}

/**
 * The processes that keep a worker from outside it, not counted as the worker's own: a parent of
 * its processes whose command line names it, as `runc run … ID` does for a container (a process
 * worker's parent is the server, which names no worker).
 */
export function keeperPids(workerId: string, pids: readonly number[]): number[] {
  const parents = new Set(pids.map((pid) => Number(/PPid:\s+(\d+)/.exec(readOr(`/proc/${pid}/status`, ''))?.[1] ?? 0)));
  return [...parents].filter((pid) => !pids.includes(pid) && readOr(`/proc/${pid}/cmdline`, '').split('\0').includes(workerId));
}
