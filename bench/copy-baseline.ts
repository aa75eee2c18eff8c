import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { promisify } from 'node:util';
import { settleBefore } from './page-cache';
import { medianRun } from './stats';

const execFileAsync = promisify(execFile);

/** How many times `cp -r` runs for one baseline: its time alone varied 2x between runs of a bench. */
export const CP_RUNS = 3;

/** One `cp -r`: its wall seconds, and the CPU seconds (user and system) it spent. */
export interface CopyRun {
  seconds: number;
  cpuSeconds: number;
}

/**
 * The children's user and system seconds in what the shell's `times` prints (its second line:
 * `0m0.000000s 0m0.830000s`).
 */
function childCpuSeconds(times: string): number {
  const spent = [...times.matchAll(/(\d+)m([\d.]+)s/g)].slice(2, 4);
  if (spent.length !== 2) throw new Error(`the shell's times printed ${JSON.stringify(times)}`);
  return spent.reduce((sum, [, minutes, seconds]) => sum + Number(minutes) * 60 + Number(seconds), 0);
}

/**
 * The baseline the disk benches compare with: the run of median seconds of CP_RUNS `cp -r` of
 * `source` to `copy`, each settled first (settleBefore), so it starts as the measured steps do,
 * with its inputs cached and nothing else. Its CPU comes from the shell that runs it (`times`),
 * which costs the copy a millisecond. The last copy stays, for the caller to remove.
 */
export async function copyBaseline(source: string, copy: string): Promise<CopyRun> {
  const runs: CopyRun[] = [];
  for (let run = 0; run < CP_RUNS; run++) {
    rmSync(copy, { recursive: true, force: true });
    await settleBefore([source]);
    const start = process.hrtime.bigint();
    const { stdout } = await execFileAsync('sh', ['-c', 'cp -r "$0" "$1" && times', source, copy]);
    runs.push({ seconds: Number(process.hrtime.bigint() - start) / 1e9, cpuSeconds: childCpuSeconds(stdout) });
  }
  return medianRun(runs);
}
