import { cpus } from 'node:os';
import type { TestPlatform } from '../test/helpers/platform';
import { haproxyPids } from '../test/helpers/process-tree';
import type { CliCpu } from './peak-rss';
import { busiestThreadSince, cpuSnapshot, cpuSpentSince, threadCpu } from './process-cpu';

/**
 * The CPU seconds (user and system, every thread) each process that a CLI command's bytes pass
 * through spent on it: the CLI, HAProxy in front of the server, and the server.
 */
export interface TransferCpu {
  cli: number;
  haproxy: number;
  server: number;
  /** The CPU seconds of the busiest thread of the three processes. */
  busiestThread: number;
}

/**
 * Starts counting what the platform's server and HAProxy spend; the function it returns stops,
 * and adds the CLI's own CPU (as runCliMeasured reports it).
 */
export function countPlatformCpu(platform: TestPlatform): (cli: CliCpu) => TransferCpu {
  const server = cpuSnapshot([platform.pid]);
  const haproxyProcesses = haproxyPids(platform.dataDir);
  const haproxy = cpuSnapshot(haproxyProcesses);
  const platformPids = [platform.pid, ...haproxyProcesses];
  const threads = threadCpu(platformPids);
  return (cli) => ({
    cli: cli.user + cli.system,
    haproxy: cpuSpentSince(haproxy),
    server: cpuSpentSince(server),
    busiestThread: Math.max(cli.busiestThread, busiestThreadSince(platformPids, threads)),
  });
}

export function totalCpu(cpu: TransferCpu): number {
  return cpu.cli + cpu.haproxy + cpu.server;
}

/**
 * The best ratio to a baseline that took `baselineSeconds` that work needing `cpu` can reach on
 * this machine: the ratio it would have were its CPU spread over all the machine's CPUs with none
 * ever idle. Where the measured ratio is near it, the work is bound by the CPU it needs, and only
 * less work (not more overlap) makes it faster here.
 */
export function cpuBoundRatio(baselineSeconds: number, cpu: TransferCpu): number {
  return baselineSeconds / (totalCpu(cpu) / cpus().length);
}

/**
 * The best ratio to a baseline that took `baselineSeconds` that work whose busiest thread spent
 * `cpu.busiestThread` can reach on any number of CPUs: that thread's work is done one piece after
 * another, however many others run beside it.
 */
export function threadBoundRatio(baselineSeconds: number, cpu: TransferCpu): number {
  return baselineSeconds / cpu.busiestThread;
}

/** What a bench's CPU columns (from TransferCpu, cpuBoundRatio and threadBoundRatio) hold, for the lines above its table. */
export function cpuColumnsNote(): string[] {
  return [
    'CPU: seconds of each process (user + system, all threads, from /proc). CPU_BOUND_VS_CP: the ratio to cp -r were',
    `that CPU spread over the ${cpus().length} CPUs with none idle, the most this code can reach on this machine.`,
    'BUSIEST_THREAD_S: the CPU seconds of the busiest thread of the CLI, HAProxy and the server; THREAD_BOUND_VS_CP: the',
    'ratio to cp -r were the work done in that time, the most this code can reach with any number of CPUs.',
  ];
}
