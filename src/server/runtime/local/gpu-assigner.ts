import type { ResourceRequestsDocument } from '../../../contract/app-spec';
import type { GpuInfo } from '../../resources/machine-resources';
import { matchingGpus } from '../../resources/resource-fit';

/**
 * Which GPUs each worker process sees (CUDA_VISIBLE_DEVICES). Each worker gets the matching GPUs
 * fewest workers use now; when workers ask for more GPUs than the machine has, they share (a
 * request no single worker could get is refused earlier, at app create/update).
 */
export class GpuAssigner {
  private readonly assigned = new Map<string, number[]>();

  constructor(private readonly gpus: readonly GpuInfo[]) {}

  /** The value for CUDA_VISIBLE_DEVICES: empty (no GPU visible) when the worker asks for none. */
  assign(workerId: string, request: ResourceRequestsDocument): string {
    if (request.gpuNum === 0) return '';
    const users = new Map<number, number>();
    for (const indexes of this.assigned.values()) for (const i of indexes) users.set(i, (users.get(i) ?? 0) + 1);
    const chosen = matchingGpus(this.gpus, request)
      .sort((a, b) => (users.get(a.index) ?? 0) - (users.get(b.index) ?? 0) || a.index - b.index)
      .slice(0, request.gpuNum)
      .map((g) => g.index);
    this.assigned.set(workerId, chosen);
    return chosen.join(',');
  }

  /**
   * A worker adopted after a server restart keeps the GPUs it was started with: what its
   * CUDA_VISIBLE_DEVICES says, so the next worker is not handed the same ones.
   */
  adopt(workerId: string, visibleDevices: string): void {
    if (visibleDevices === '') return;
    const indexes = visibleDevices.split(',').map(Number).filter((i) => this.gpus.some((g) => g.index === i));
    if (indexes.length > 0) this.assigned.set(workerId, indexes);
  }

  release(workerId: string): void {
    this.assigned.delete(workerId);
  }
}
