import type { ResourceRequestsDocument } from '../contract/app-spec';
import { checkInteger, checkPositiveNumber, invalid } from './option-checks';

export interface GpuConstraints {
  /** GPU models the app can run on, e.g. `A100 80GB`; any model when left out. */
  models?: string[];
}

export interface ResourceRequestsOptions {
  /** CPUs per worker; fractions allowed. Default 1. */
  cpuNum?: number;
  /** Memory per worker in MiB. Default 1024. */
  memoryMb?: number;
  /** GPUs per worker. Default 0. */
  gpuNum?: number;
  gpuConstraints?: GpuConstraints;
}

/** What each worker of the app gets. */
export class ResourceRequests {
  readonly cpuNum: number;
  readonly memoryMb: number;
  readonly gpuNum: number;
  readonly gpuConstraints: GpuConstraints | null;

  constructor(options: ResourceRequestsOptions = {}) {
    this.cpuNum = checkPositiveNumber(options.cpuNum ?? 1, 'resourceRequests.cpuNum');
    this.memoryMb = checkInteger(options.memoryMb ?? 1024, 'resourceRequests.memoryMb', 1);
    this.gpuNum = checkInteger(options.gpuNum ?? 0, 'resourceRequests.gpuNum', 0);
    const models = options.gpuConstraints?.models;
    if (models !== undefined && (!Array.isArray(models) || models.some((m) => typeof m !== 'string' || m === ''))) {
      throw invalid('resourceRequests.gpuConstraints.models must be a list of GPU model names');
    }
    this.gpuConstraints = options.gpuConstraints ?? null;
  }

  toJSON(): ResourceRequestsDocument {
    return {
      cpuNum: this.cpuNum,
      memoryMb: this.memoryMb,
      gpuNum: this.gpuNum,
      gpuConstraints: this.gpuConstraints ? { models: [...(this.gpuConstraints.models ?? [])] } : null,
    };
  }
}
