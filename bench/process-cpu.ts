import { readdirSync } from 'node:fs';
import { readOr } from '../test/helpers/process-tree';

/** /proc's clock ticks a second (USER_HZ), 100 on Linux. */
const TICKS_PER_SECOND = 100;

/** The user and system seconds in a /proc stat line (a process's or a thread's); undefined for none. */
function statTimes(stat: string): { user: number; system: number } | undefined {
  if (stat === '') return undefined;
  // `pid (comm) state ...`: utime and stime are the 12th and 13th fields after comm's ')', which may hold spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { user: Number(fields[11] ?? 0) / TICKS_PER_SECOND, system: Number(fields[12] ?? 0) / TICKS_PER_SECOND };
}

/** The CPU seconds a process has used so far in user and in system mode (all threads), from /proc/PID/stat; undefined once it is gone. */
export function cpuTimes(pid: number): { user: number; system: number } | undefined {
  return statTimes(readOr(`/proc/${pid}/stat`, ''));
}

/**
 * The CPU seconds (user and system) each thread of these processes has used so far, by thread id
 * (unique on the machine while the thread lives), from /proc/PID/task; added to `into` where given,
 * so that polls keep a thread that has ended since with what it had spent by the last one.
 */
export function threadCpu(pids: readonly number[], into = new Map<number, number>()): Map<number, number> {
  for (const pid of pids) {
    let tids: string[];
    try {
      tids = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue; // Gone.
    }
    for (const tid of tids) {
      const times = statTimes(readOr(`/proc/${pid}/task/${tid}/stat`, ''));
      if (times) into.set(Number(tid), times.user + times.system);
    }
  }
  return into;
}

/**
 * The most CPU seconds one thread of these processes has spent since `before` (threadCpu's) was
 * taken; a thread started since counts from zero. No work waits on a thread less than that, so
 * on any number of CPUs the work takes at least this long.
 */
export function busiestThreadSince(pids: readonly number[], before: ReadonlyMap<number, number>): number {
  let busiest = 0;
  for (const [tid, seconds] of threadCpu(pids)) busiest = Math.max(busiest, seconds - (before.get(tid) ?? 0));
  return busiest;
}

/**
 * The CPU seconds (user and system, all threads) each of these processes has used so far; one
 * already gone is left out. Taken before a load and handed to cpuSpentSince after it, it says how
 * much CPU each part spent on it, a figure that other work on a shared machine barely moves.
 */
export function cpuSnapshot(pids: readonly number[]): Map<number, number> {
  const seconds = new Map<number, number>();
  for (const pid of pids) {
    const times = cpuTimes(pid);
    if (times) seconds.set(pid, times.user + times.system);
  }
  return seconds;
}

/**
 * The CPU seconds the processes of `before` have spent since it was taken. One gone meanwhile (a
 * former HAProxy worker a reload left, ending) adds nothing: what it spent after `before` is not
 * known, and taking its whole past off the sum made a part's figure negative.
 */
export function cpuSpentSince(before: ReadonlyMap<number, number>): number {
  let spent = 0;
  for (const [pid, then] of before) {
    const times = cpuTimes(pid);
    if (times) spent += times.user + times.system - then;
  }
  return spent;
}

/**
 * How many times the main thread of each of these processes has gone to sleep so far (its
 * voluntary context switches, from /proc/PID/status); one already gone is left out. A proxy that
 * sleeps about once a request wakes each time with its caches cold: what more worker processes
 * than CPUs cost it.
 */
export function sleepSnapshot(pids: readonly number[]): Map<number, number> {
  const sleeps = new Map<number, number>();
  for (const pid of pids) {
    const count = /^voluntary_ctxt_switches:\s+(\d+)$/m.exec(readOr(`/proc/${pid}/status`, ''))?.[1];
    if (count !== undefined) sleeps.set(pid, Number(count));
  }
  return sleeps;
}

/** The sleeps of the processes of `before` since it was taken (one gone meanwhile adds nothing, as in cpuSpentSince). */
export function sleepsSince(before: ReadonlyMap<number, number>): number {
  const now = sleepSnapshot([...before.keys()]);
  let sleeps = 0;
  for (const [pid, then] of before) sleeps += (now.get(pid) ?? then) - then;
  return sleeps;
}
