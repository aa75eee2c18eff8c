import { parseImageRef } from '../../contract/image-ref';
import { pullCredentials } from '../secrets/pull-credentials';
import type { BlobStore } from '../blobs/blob-store';
import { resolveImage } from '../registry/image-resolver';
import { resolveRemoteImage } from '../registry/remote/remote-image';
import type { LaunchMount, VolumeFileRef, WorkerLaunch } from '../runtime/runtime';
import type { KeyValueSource } from '../secrets/key-value-source';
import type { AppRevisionRecord } from '../store/records';
import type { Store } from '../store/store';
import { keyValueEnv } from './key-value-env';

/** Where the files of a volume revision are listed (the volume service). */
export interface VolumeFileSource {
  revisionFiles(volumeId: string, revision: string): Promise<VolumeFileRef[]>;
}

export interface LaunchDeps {
  store: Store;
  blobs: BlobStore;
  volumes: VolumeFileSource;
  keyValues: KeyValueSource;
}

/**
 * What the runtime needs to start a worker of this revision (or run `worker exec` in one): image
 * layers, program, env (with the secrets and configmaps the app requests), volume files and mounts. Secret values are read here, at the versions the
 * revision pinned, and travel in memory only.
 */
export async function launchFor(deps: LaunchDeps, workerId: string, revision: AppRevisionRecord): Promise<WorkerLaunch> {
  const { spec } = revision;
  const app = await deps.store.apps.get(revision.appId);
  if (!app) throw new Error(`app ${revision.appId} is gone`);
  const ref = parseImageRef(`${spec.imageRepository}@${spec.imageDigest}`);
  const credentials = await pullCredentials(deps.keyValues, app.ownerId, spec.imagePull);
  // Only images of other registries are pinned with their host.
  const image = ref.host === undefined ? await resolveImage(deps, `${spec.imageRepository}@${spec.imageDigest}`) : await resolveRemoteImage(deps.blobs, { ...ref, host: ref.host }, credentials);
  const volumes = await Promise.all(
    spec.volumes.map(async (v) => ({ ...v, files: await deps.volumes.revisionFiles(v.volumeId, v.revision) })),
  );
  const mounts: LaunchMount[] = [];
  for (const mount of spec.mounts) {
    if (mount.kind === 'volume') mounts.push(mount);
    else mounts.push({ mountPath: mount.mountPath, kind: mount.kind, name: mount.name, data: (await deps.keyValues.read(app.ownerId, mount.kind, mount.name, mount.version)).data });
  }
  return {
    workerId,
    appId: revision.appId,
    image: {
      digest: image.digest,
      layers: image.layers,
      workingDir: image.config.config?.WorkingDir || '/',
      entrypoint: image.config.config?.Entrypoint ?? [],
      cmd: image.config.config?.Cmd ?? [],
      env: image.config.config?.Env ?? [],
      user: image.config.config?.User ?? '',
      ...(ref.host !== undefined ? { pull: { host: ref.host, repository: ref.repository, credentials } } : {}),
    },
    appFile: spec.appFile,
    program: spec.program,
    env: { ...spec.env, ...(await keyValueEnv(deps, revision)) },
    volumes,
    mounts,
    resources: spec.resources,
  };
}
