import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { EVERAI_LAUNCHER, PATH_WITH_THIS_NODE } from '../test/helpers/cli';
import { cpuTimes, threadCpu } from './process-cpu';

/**
 * Peak resident memory of a process, from Linux's /proc (VmHWM): the high-water mark, so a poll
 * just before the process ends still sees a peak that came and went between polls.
 */
export function peakRss(pid: number): number {
  try {
    const kib = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kib === undefined ? NaN : Number(kib) * 1024;
  } catch {
    return NaN;
  }
}

/** Starts a process's peak over (Linux 4.0 and later), so that the next reading covers only what follows. */
export function resetPeakRss(pid: number): void {
  writeFileSync(`/proc/${pid}/clear_refs`, '5');
}

/** A CLI command's CPU seconds, in user and system mode, and those of its busiest thread. */
export interface CliCpu {
  user: number;
  system: number;
  busiestThread: number;
}

/**
 * Runs the CLI as a user's shell does (the `everai` launcher, with this process's node first on the PATH; in `cwd`, where given), also reporting its seconds, its peak RSS
 * (bytes), its CPU seconds and those of its busiest thread (as last polled, up to 20 ms before it ended).
 */
export function runCliMeasured(args: readonly string[], env: NodeJS.ProcessEnv, cwd?: string): Promise<{ stdout: string; seconds: number; peakRss: number; cpu: CliCpu }> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(EVERAI_LAUNCHER, args, { env: { ...process.env, PATH: PATH_WITH_THIS_NODE, ...env }, stdio: ['ignore', 'pipe', 'pipe'], ...(cwd ? { cwd } : {}) });
    let stdout = '';
    let stderr = '';
    let peak = 0;
    let times = { user: 0, system: 0 };
    const threads = new Map<number, number>();
    const poll = setInterval(() => {
      peak = Math.max(peak, peakRss(child.pid ?? 0) || 0);
      times = cpuTimes(child.pid ?? 0) ?? times;
      threadCpu([child.pid ?? 0], threads);
    }, 20);
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', () => clearInterval(poll));
    child.on('close', (code) => {
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      if (code === 0) resolve({ stdout, seconds, peakRss: peak, cpu: { ...times, busiestThread: Math.max(0, ...threads.values()) } });
      else reject(new Error(`everai ${args.join(' ')} failed (${code}):\n${stderr}`));
    });
  });
}
