import { readdirSync, readFileSync } from 'node:fs';

interface ProcessEntry {
  pid: number;
  ppid: number;
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
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const command = readFileSync(`/proc/${name}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
      entries.push({ pid: Number(name), ppid, command });
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

/** Those of `processes` still on the machine, zombies included (a defunct one was never reaped). */
export function stillThere(processes: readonly ProcessEntry[]): ProcessEntry[] {
  const now = allProcesses();
  return processes.filter((p) => now.some((q) => q.pid === p.pid && (q.command === p.command || q.command === '')));
}
