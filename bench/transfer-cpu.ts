import { cpus } from 'node:os';
import type { TestPlatform } from '../test/helpers/platform';
import { haproxyPids } from '../test/helpers/process-tree';
import { cpuSnapshot, cpuSpentSince } from './process-cpu';

/**
 * The CPU seconds (user and system, every thread) each process that a CLI command's bytes pass
 * through spent on it: the CLI, HAProxy in front of the server, and the server.
 */
export interface TransferCpu {
  cli: number;
  haproxy: number;
  server: number;
}

/**
 * Starts counting what the platform's server and HAProxy spend; the function it returns stops,
 * and adds the CLI's own CPU (as runCliMeasured reports it).
 */
export function countPlatformCpu(platform: TestPlatform): (cli: { user: number; system: number }) => TransferCpu {
  const server = cpuSnapshot([platform.pid]);
  const haproxy = cpuSnapshot(haproxyPids(platform.dataDir));
  return (cli) => ({ cli: cli.user + cli.system, haproxy: cpuSpentSince(haproxy), server: cpuSpentSince(server) });
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

/** What a bench's CPU columns (from TransferCpu and cpuBoundRatio) hold, for the lines above its table. */
export function cpuColumnsNote(): string[] {
  return [
    'CPU: seconds of each process (user + system, all threads, from /proc). CPU_BOUND_VS_CP: the ratio to cp -r were',
    `that CPU spread over the ${cpus().length} CPUs with none idle, the most this code can reach on this machine.`,
  ];
}
