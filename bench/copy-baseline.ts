import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { promisify } from 'node:util';
import { settleBefore } from './page-cache';
import { median } from './stats';

const execFileAsync = promisify(execFile);

/** How many times `cp -r` runs for one baseline: its time alone varied 2x between runs of a bench. */
export const CP_RUNS = 3;

/**
 * The baseline the disk benches compare with: the median seconds of CP_RUNS `cp -r` of `source`
 * to `copy`, each settled first (settleBefore), so it starts as the measured steps do, with its
 * inputs cached and nothing else. The last copy stays, for the caller to remove.
 */
export async function copySeconds(source: string, copy: string): Promise<number> {
  const runs: number[] = [];
  for (let run = 0; run < CP_RUNS; run++) {
    rmSync(copy, { recursive: true, force: true });
    await settleBefore([source]);
    const start = process.hrtime.bigint();
    await execFileAsync('cp', ['-r', source, copy]);
    runs.push(Number(process.hrtime.bigint() - start) / 1e9);
  }
  return median(runs);
}
