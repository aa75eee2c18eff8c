import { readOr } from '../test/helpers/process-tree';

/** /proc's clock ticks a second (USER_HZ), 100 on Linux. */
const TICKS_PER_SECOND = 100;

/** The CPU seconds a process has used so far in user and in system mode (all threads), from /proc/PID/stat; undefined once it is gone. */
export function cpuTimes(pid: number): { user: number; system: number } | undefined {
  const stat = readOr(`/proc/${pid}/stat`, '');
  if (stat === '') return undefined;
  // `pid (comm) state ...`: utime and stime are the 12th and 13th fields after comm's ')', which may hold spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { user: Number(fields[11] ?? 0) / TICKS_PER_SECOND, system: Number(fields[12] ?? 0) / TICKS_PER_SECOND };
}

/**
 * CPU seconds (user and system, all threads) these processes have used so far; a process gone
 * meanwhile counts 0. Taken before and after a load, it says how much CPU each part spent on it,
 * a figure that other work on a shared machine barely moves.
 */
export function cpuSeconds(pids: readonly number[]): number {
  return pids.reduce((sum, pid) => {
    const times = cpuTimes(pid);
    return sum + (times ? times.user + times.system : 0);
  }, 0);
}
