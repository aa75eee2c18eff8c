import { EveraiError } from '../../contract/errors';
import type { ResourceRequestsDocument } from '../../contract/app-spec';
import type { GpuInfo, MachineResources } from './machine-resources';

/** The GPUs whose model the request accepts (any, without constraints); a model matches by name part, `A100` matches `NVIDIA A100 80GB`. */
export function matchingGpus(gpus: readonly GpuInfo[], request: ResourceRequestsDocument): GpuInfo[] {
  const models = request.gpuConstraints?.models ?? [];
  if (models.length === 0) return [...gpus];
  return gpus.filter((gpu) => models.some((m) => gpu.model.toLowerCase().includes(m.toLowerCase())));
}

/**
 * Refuses a request no worker could ever get on this machine, with what it asked and what there
 * is. Requests that fit one worker but not several at once are accepted: workers then share.
 */
export function checkFits(machine: MachineResources, request: ResourceRequestsDocument): void {
  const problems: string[] = [];
  if (request.cpuNum > machine.cpu.count) problems.push(`${request.cpuNum} CPUs (the machine has ${machine.cpu.count})`);
  if (request.memoryMb > machine.memoryMb) problems.push(`${request.memoryMb} MiB of memory (the machine has ${machine.memoryMb} MiB)`);
  if (request.gpuNum > 0) {
    const usable = matchingGpus(machine.gpus, request);
    if (request.gpuNum > usable.length) {
      const models = request.gpuConstraints?.models.length ? ` of model ${request.gpuConstraints.models.join(' or ')}` : '';
      const has = machine.gpus.length === 0 ? 'none' : machine.gpus.map((g) => g.model).join(', ');
      problems.push(`${request.gpuNum} GPUs${models} (the machine has ${has})`);
    }
  }
  if (problems.length > 0) {
    throw new EveraiError(
      'EVERAI_RESOURCES_UNAVAILABLE',
      `no machine can run a worker of this app: it asks for ${problems.join(' and ')}; see \`everai resources\``,
    );
  }
}
