import { EveraiError } from '../../contract/errors';
import { formatImageRef, parseImageRef } from '../../contract/image-ref';
import { inUserSpace } from '../../contract/image-space';
import { MANIFEST_SIZE_LIMIT, type Descriptor, type OciImageConfig } from '../../contract/oci';
import { imageConfigSchema } from '../../contract/oci-schemas';
import type { BlobStore } from '../blobs/blob-store';
import type { UserRecord } from '../store/records';
import type { Store } from '../store/store';
import { readBounded } from './bounded-read';
import { parseManifest } from './manifest-parse';

export interface ImageLayer {
  digest: string;
  size: number;
  mediaType: string;
}

/** What an app revision pins: the image manifest's digest and what unpacking it needs. */
export interface ResolvedImage {
  repository: string;
  tag?: string;
  /** The digest of the image manifest (for an index: of the manifest chosen for this platform). */
  digest: string;
  config: OciImageConfig;
  layers: ImageLayer[];
}

/** Where and for whom a reference is resolved. */
export interface ImageScope {
  store: Store;
  blobs: BlobStore;
  /**
   * Whose image it is: the name is in their space of the registry (`get-start` is
   * `alice/get-start` for alice), and another user's repository resolves to nothing. Left out: the
   * name is a registry path as pinned in a revision, resolved without a check.
   */
  user?: Pick<UserRecord, 'id' | 'name'>;
  /**
   * Registry hosts (`host:port`) that name this platform; a reference may carry one of them or
   * none. Loopback names always count.
   */
  ownHosts?: readonly string[];
}

const LOOPBACK = /^(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/;

/**
 * Whether a reference's registry host names this platform: no host, one of `ownHosts`, or a
 * loopback name on one of their ports (localhost:8480 and 127.0.0.1:8480 are the same server). A
 * loopback host on another port is another registry on this machine. Without `ownHosts`, every
 * loopback name counts as ours.
 */
export function isOwnRegistry(host: string | undefined, ownHosts?: readonly string[]): boolean {
  if (host === undefined || ownHosts?.includes(host)) return true;
  const loopback = LOOPBACK.exec(host);
  if (!loopback) return false;
  if (ownHosts === undefined || ownHosts.length === 0) return true;
  const port = loopback[2] ?? '';
  return ownHosts.some((own) => own.endsWith(port) && LOOPBACK.test(own));
}

/** The image config is JSON describing the image, small like a manifest. */
const CONFIG_SIZE_LIMIT = MANIFEST_SIZE_LIMIT;

const ARCHITECTURES: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x' };

/** From an index, the manifest for this machine (linux on our architecture), else the first one. */
export function chooseFromIndex(manifests: Descriptor[]): Descriptor | undefined {
  const arch = ARCHITECTURES[process.arch] ?? process.arch;
  return (
    manifests.find((m) => m.platform?.os === 'linux' && m.platform.architecture === arch) ??
    manifests.find((m) => m.platform === undefined || m.platform.os === 'linux') ??
    manifests[0]
  );
}

/**
 * Resolves a reference to an image of the platform's own registry (`name:tag`, `name@sha256:...`,
 * `host:port/name:tag` with one of our hosts) to a digest and its layers, as the controller pins
 * them into an app revision. The resolved `repository` is the registry path, the user's space
 * included.
 */
export async function resolveImage(scope: ImageScope, ref: string): Promise<ResolvedImage> {
  const { store, blobs, user, ownHosts } = scope;
  const parsed = parseImageRef(ref);
  const { host, ...local } = parsed;
  if (!isOwnRegistry(host, ownHosts)) {
    throw new EveraiError('EVERAI_BAD_REQUEST', `image '${ref}' is in registry ${host}, not in everai's (${formatImageRef(local)})`);
  }
  const repository = user ? inUserSpace(user.name, parsed.repository) : parsed.repository;
  const where = repository === parsed.repository ? '' : ` (as ${repository})`;
  const notFound = new EveraiError(
    'EVERAI_IMAGE_NOT_FOUND',
    `image '${ref}' was not found in the registry${where}; build and push it with \`everai image build\``,
  );
  const owner = await store.images.repositoryOwner(repository);
  if (owner === undefined || (user && owner !== user.id)) throw notFound;

  const digest = parsed.digest ?? (await store.images.tag(repository, parsed.tag ?? ''))?.digest;
  const record = digest === undefined ? undefined : await store.images.manifest(repository, digest);
  if (!record) throw notFound;

  let manifest = parseManifest(await readBlob(blobs, record.digest, MANIFEST_SIZE_LIMIT, 'the manifest'), record.mediaType);
  let imageDigest = record.digest;
  if (manifest.kind === 'index') {
    const child = chooseFromIndex(manifest.index.manifests);
    if (!child) throw new EveraiError('EVERAI_IMAGE_NOT_FOUND', `image '${ref}' is an empty index`);
    imageDigest = child.digest;
    manifest = parseManifest(await readBlob(blobs, child.digest, MANIFEST_SIZE_LIMIT, 'the manifest'), child.mediaType);
    if (manifest.kind !== 'image') throw new EveraiError('EVERAI_IMAGE_NOT_FOUND', `image '${ref}' nests an index in an index`);
  }
  const { config: configBlob, layers } = manifest.manifest;
  const config = imageConfigSchema.safeParse(parseJson(await readBlob(blobs, configBlob.digest, CONFIG_SIZE_LIMIT, 'the image config')));
  if (!config.success) throw new EveraiError('EVERAI_BAD_REQUEST', `image '${ref}' has an image config that is not valid`);

  const resolved: ResolvedImage = {
    repository,
    digest: imageDigest,
    config: config.data,
    layers: layers.map(({ digest: layerDigest, size, mediaType }) => ({ digest: layerDigest, size, mediaType })),
  };
  if (parsed.tag !== undefined) resolved.tag = parsed.tag;
  return resolved;
}

export async function readBlob(blobs: BlobStore, digest: string, limit: number, what: string): Promise<Buffer> {
  if (!(await blobs.has(digest))) {
    throw new EveraiError('EVERAI_IMAGE_NOT_FOUND', `${what} ${digest} is missing from the blob store`);
  }
  return readBounded(blobs.read(digest), limit, what);
}

export function parseJson(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
}
