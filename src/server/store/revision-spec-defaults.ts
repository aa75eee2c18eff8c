import type { ResourceRequestsDocument } from '../../contract/app-spec';
import type { RevisionSpec } from './records';

/** What a worker gets when the app asks for nothing: the SDK's `new ResourceRequests()`. */
export const DEFAULT_RESOURCES: ResourceRequestsDocument = { cpuNum: 1, memoryMb: 1024, gpuNum: 0, gpuConstraints: null };

/**
 * A revision as stored may predate fields added to RevisionSpec since: every store reads specs
 * through this, so the rest of the server sees every field. Each new field adds its default here.
 */
export function withSpecDefaults(stored: Partial<RevisionSpec>): RevisionSpec {
  return {
    imageRef: '',
    imageRepository: '',
    imageDigest: '',
    appFile: 'app.ts',
    env: {},
    volumes: [],
    program: { kind: 'sdk' },
    mounts: [],
    imagePull: null,
    secrets: [],
    configmaps: [],
    resources: DEFAULT_RESOURCES,
    ...stored,
  };
}
