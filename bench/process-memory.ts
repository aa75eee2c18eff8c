import { readOr } from '../test/helpers/process-tree';

/**
 * Resident memory of processes, from /proc, for the idle-worker figure: a worker is all of its
 * processes (tini, node, and under tsx its esbuild service) and its monitor, found as tests find
 * them (test/helpers/process-tree.ts).
 */

/** Kilobytes resident (VmRSS) of these processes together. */
export function rssKb(pids: readonly number[]): number {
  return pids.reduce((sum, pid) => sum + Number(/VmRSS:\s+(\d+)/.exec(readOr(`/proc/${pid}/status`, ''))?.[1] ?? 0), 0);
}

/** A process's short name (its `comm`). */
export function processName(pid: number): string {
  return readOr(`/proc/${pid}/comm`, '?').trim();
}
