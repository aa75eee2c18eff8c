import type { BlobStore } from '../blobs/blob-store';
import { resolveImage } from '../registry/image-resolver';
import type { VolumeFileRef, WorkerLaunch } from '../runtime/runtime';
import type { AppRevisionRecord } from '../store/records';
import type { Store } from '../store/store';
import { keyValueEnv, type KeyValueEnvDeps } from './key-value-env';

/** Where the files of a volume revision are listed (the volume service). */
export interface VolumeFileSource {
  revisionFiles(volumeId: string, revision: string): Promise<VolumeFileRef[]>;
}

/** What the runtime needs to start a worker of this revision: image layers, app entry, volume files, secrets and configmaps. */
export async function launchFor(
  deps: { store: Store; blobs: BlobStore; volumes: VolumeFileSource } & KeyValueEnvDeps,
  workerId: string,
  revision: AppRevisionRecord,
): Promise<WorkerLaunch> {
  const { spec } = revision;
  const image = await resolveImage(deps, `${spec.imageRepository}@${spec.imageDigest}`);
  const volumes = await Promise.all(
    spec.volumes.map(async (v) => ({ ...v, files: await deps.volumes.revisionFiles(v.volumeId, v.revision) })),
  );
  return {
    workerId,
    appId: revision.appId,
    image: { digest: image.digest, layers: image.layers },
    appFile: spec.appFile,
    env: { ...spec.env, ...(await keyValueEnv(deps, revision)) },
    volumes,
    resources: spec.resources,
  };
}
