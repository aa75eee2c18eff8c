import { parseImageRef } from '../../contract/image-ref';
import type { ResourceRequestsDocument } from '../../contract/app-spec';
import type { BlobStore } from '../blobs/blob-store';
import { isOwnRegistry, resolveImage, type ResolvedImage } from '../registry/image-resolver';
import { resolveRemoteImage } from '../registry/remote/remote-image';
import type { MachineResources } from '../resources/machine-resources';
import { checkFits } from '../resources/resource-fit';
import type { KeyValueKind, KeyValueSource } from '../secrets/key-value-source';
import type { ImagePullSpec, PinnedKeyValue, PinnedVolume, RevisionSpec, UserRecord } from '../store/records';
import type { Store } from '../store/store';
import type { AppRequest } from './app-request';
import { pinImagePull, pinMounts, pinProgram } from './program-pins';
import { pullCredentials } from '../secrets/pull-credentials';

/** Finds a volume's newest revision for its owner (the volume service). */
export interface VolumeResolver {
  resolve(user: UserRecord, name: string): Promise<{ volumeId: string; name: string; revision: string }>;
}

export interface RevisionPinnerDeps {
  store: Store;
  blobs: BlobStore;
  volumes: VolumeResolver;
  keyValues: KeyValueSource;
  /** What workers can get here: a request no worker could ever get is refused. */
  machine: MachineResources;
  /** `host:port` names of this server's own registry, filled in once it listens. */
  ownHosts: readonly string[];
}

/** JSON with every object's keys sorted: two specs that pin the same things compare equal whatever order built them. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)))
      : v,
  );
}

export function sameSpec(a: RevisionSpec, b: RevisionSpec): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

/** The revision in one line, for events. */
export function describeSpec(spec: RevisionSpec): string {
  const volumes = spec.volumes.map((v) => `, volume ${v.name} ${v.revision}`).join('');
  const keyValues = [...spec.secrets.map((s) => `, secret ${s.name} v${s.version}`), ...spec.configmaps.map((c) => `, configmap ${c.name} v${c.version}`)];
  const command = spec.program.kind === 'command' ? `, command ${JSON.stringify(spec.program.argv)}` : '';
  return `image ${spec.imageRef} = ${spec.imageDigest}${volumes}${keyValues.join('')}${command}`;
}

/**
 * What an app revision pins (docs/rollout.md): the image digest, one revision of each volume, one version
 * of each secret and configmap, the program, its mounts and resources, resolved now, so that
 * nothing a worker runs changes until a new revision asks for it.
 */
export class RevisionPinner {
  constructor(private readonly deps: RevisionPinnerDeps) {}

  /** The image's digest now, for the revision to pin: from everai's registry, or another one with the pinned credentials. */
  async image(user: UserRecord, imageRef: string, pull: ImagePullSpec | null): Promise<ResolvedImage> {
    const parsed = parseImageRef(imageRef);
    if (parsed.host === undefined || isOwnRegistry(parsed.host, this.deps.ownHosts)) return resolveImage({ ...this.deps, user }, imageRef);
    const credentials = await pullCredentials(this.deps.keyValues, user.id, pull);
    return resolveRemoteImage(this.deps.blobs, { ...parsed, host: parsed.host }, credentials);
  }

  /** Each requested volume's newest revision, for the revision to pin. */
  async volumes(user: UserRecord, names: readonly string[]): Promise<PinnedVolume[]> {
    const pinned: PinnedVolume[] = [];
    for (const name of names) {
      const { volumeId, revision } = await this.deps.volumes.resolve(user, name);
      pinned.push({ name, volumeId, revision });
    }
    return pinned;
  }

  /** Each requested secret's or configmap's newest version, for the revision to pin (404 for a missing one). */
  async keyValues(user: UserRecord, kind: KeyValueKind, names: readonly string[]): Promise<PinnedKeyValue[]> {
    const pinned: PinnedKeyValue[] = [];
    for (const name of names) pinned.push({ name, version: (await this.deps.keyValues.read(user.id, kind, name)).version });
    return pinned;
  }

  resources(request: ResourceRequestsDocument): ResourceRequestsDocument {
    checkFits(this.deps.machine, request);
    return request;
  }

  async spec(user: UserRecord, spec: AppRequest['spec'], appFile: string): Promise<RevisionSpec> {
    const { keyValues } = this.deps;
    const imagePull = await pinImagePull(keyValues, user.id, spec.imageAuth);
    const image = await this.image(user, spec.image, imagePull);
    return {
      imageRef: spec.image,
      imageRepository: image.repository,
      imageDigest: image.digest,
      appFile,
      env: spec.env,
      volumes: await this.volumes(user, spec.volumeRequests),
      program: pinProgram(spec.program, image),
      mounts: await pinMounts(keyValues, user.id, spec.mounts, spec.volumeRequests),
      imagePull,
      secrets: await this.keyValues(user, 'Secret', spec.secretRequests),
      configmaps: await this.keyValues(user, 'ConfigMap', spec.configmapRequests),
      resources: this.resources(spec.resourceRequests),
    };
  }
}
