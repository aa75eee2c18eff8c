import { execFile } from 'node:child_process';
import { availableParallelism, cpus, totalmem } from 'node:os';
import type { GpuInfo, MachineResources } from '../../contract/api-views';

export type { GpuInfo, MachineResources };



export const LOCAL_REGION = 'local';

/**
 * Looks at the machine once: CPUs and memory from the OS, GPUs from `nvidia-smi` when it is
 * installed (none otherwise, and none if it fails: a broken driver gives workers no GPU).
 */
export async function probeMachine(): Promise<MachineResources> {
  return {
    region: LOCAL_REGION,
    cpu: { model: cpus()[0]?.model.trim() ?? 'unknown', count: availableParallelism() },
    memoryMb: Math.floor(totalmem() / (1024 * 1024)),
    gpus: await probeGpus(),
  };
}

function probeGpus(): Promise<GpuInfo[]> {
  return new Promise((resolve) => {
    execFile(
      'nvidia-smi',
      ['--query-gpu=index,name,memory.total', '--format=csv,noheader,nounits'],
      { timeout: 10_000 },
      (error, stdout) => resolve(error ? [] : parseGpuCsv(stdout)),
    );
  });
}

/** `0, NVIDIA H100 80GB HBM3, 81559` per line (memory in MiB, as `nounits` prints it). */
export function parseGpuCsv(text: string): GpuInfo[] {
  const gpus: GpuInfo[] = [];
  for (const line of text.split('\n')) {
    const [index, model, memory] = line.split(',').map((cell) => cell.trim());
    if (!index || !model || !/^\d+$/.test(index)) continue;
    gpus.push({ index: Number(index), model, memoryMb: Number(memory) || 0 });
  }
  return gpus;
}
