import { readOr } from '../test/helpers/process-tree';

/** /proc's clock ticks a second (USER_HZ), 100 on Linux. */
const TICKS_PER_SECOND = 100;

/**
 * CPU seconds (user and system, all threads) these processes have used so far, from
 * /proc/PID/stat; a process gone meanwhile counts 0. Taken before and after a load, it says how
 * much CPU each part spent on it, a figure that other work on a shared machine barely moves.
 */
export function cpuSeconds(pids: readonly number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    const stat = readOr(`/proc/${pid}/stat`, '');
    // `pid (comm) state ...`: utime and stime are the 12th and 13th fields after comm's ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    ticks += Number(fields[11] ?? 0) + Number(fields[12] ?? 0);
  }
  return ticks / TICKS_PER_SECOND;
}
