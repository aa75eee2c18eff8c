import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface ProcessEntry {
  pid: number;
  ppid: number;
  /** `Z` for a process that ended and waits to be reaped, else it runs (or sleeps). */
  state: string;
  /** Its command line, to tell it from a later process that got the same pid. */
  command: string;
}

/** Every process on the machine, from /proc; ones that exit while it reads are left out. */
function allProcesses(): ProcessEntry[] {
  const entries: ProcessEntry[] = [];
  for (const name of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      // `pid (comm) state ppid ...`: comm may hold spaces and parentheses, so split after the last ')'.
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const [state = '', ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const command = readFileSync(`/proc/${name}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
      entries.push({ pid: Number(name), ppid: Number(ppid), state, command });
    } catch {
      // Gone meanwhile.
    }
  }
  return entries;
}

/** A process and all it started, its children's children included (a worker's esbuild too). */
export function processTree(root: number): ProcessEntry[] {
  const all = allProcesses();
  const tree = all.filter((p) => p.pid === root);
  for (let i = 0; i < tree.length; i++) tree.push(...all.filter((p) => p.ppid === tree[i]!.pid));
  return tree;
}

/**
 * Those of `processes` still on the machine, zombies included (a defunct one was never reaped by
 * the process that started it), except an ended orphan of init's: a daemon (a container's conmon)
 * that ended is init's to reap, on init's schedule, and holds nothing meanwhile.
 */
export function stillThere(processes: readonly ProcessEntry[]): ProcessEntry[] {
  const now = allProcesses();
  return processes.filter((p) => now.some((q) => q.pid === p.pid && (q.command === p.command || q.command === '') && !(q.state === 'Z' && q.ppid === 1)));
}

/** A /proc file's text, or `fallback` when the process is gone or not ours to read. */
export function readOr(path: string, fallback: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return fallback; // Gone meanwhile, or not ours to read.
  }
}

/** The processes of the HAProxy a server with data folder `dataDir` runs as its data plane; none on the Node data plane. */
export function haproxyPids(dataDir: string): number[] {
  const master = Number(readOr(join(dataDir, 'haproxy', 'haproxy.pid'), '').trim());
  return master > 0 ? processTree(master).map((p) => p.pid) : [];
}

/** Every process whose environment holds `EVERAI_WORKER_ID=id`: a worker's own, in a container too (its processes are in the host's /proc). */
export function workerPids(workerId: string): number[] {
  const entry = `EVERAI_WORKER_ID=${workerId}`;
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((name) => readOr(`/proc/${name}/environ`, '').split('\0').includes(entry))
    .map(Number);
}

/**
 * The processes that keep a worker from outside it: a parent of its processes whose command line
 * names it, as a container's monitor does (`conmon --cid ID`, `runc run … ID`), which need not be
 * the server's child (conmon leaves it); a process worker's parent is the server, which names no worker.
 */
export function keeperPids(workerId: string, pids: readonly number[]): number[] {
  const parents = new Set(pids.map((pid) => Number(/PPid:\s+(\d+)/.exec(readOr(`/proc/${pid}/status`, ''))?.[1] ?? 0)));
  return [...parents].filter((pid) => !pids.includes(pid) && readOr(`/proc/${pid}/cmdline`, '').split('\0').includes(workerId));
}

/** A worker's processes and its monitor, wherever they hang in the process tree. */
export function workerProcesses(workerId: string): ProcessEntry[] {
  const pids = workerPids(workerId);
  const wanted = new Set([...pids, ...keeperPids(workerId, pids)]);
  return allProcesses().filter((p) => wanted.has(p.pid));
}
