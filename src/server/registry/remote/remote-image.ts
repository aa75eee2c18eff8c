import { Readable } from 'node:stream';
import { EveraiError } from '../../../contract/errors';
import { formatImageRef, type ImageRef } from '../../../contract/image-ref';
import { MANIFEST_SIZE_LIMIT, MEDIA_TYPES } from '../../../contract/oci';
import { imageConfigSchema } from '../../../contract/oci-schemas';
import type { BlobStore } from '../../blobs/blob-store';
import { chooseFromIndex, parseJson, readBlob, type ResolvedImage } from '../image-resolver';
import { parseManifest, type ParsedManifest } from '../manifest-parse';
import { RemoteRegistry, type RegistryCredentials } from './remote-registry';

/** An image on another registry, and the credentials to pull it with. */
export interface RemoteImageSource {
  host: string;
  repository: string;
  credentials: RegistryCredentials | undefined;
}

/**
 * Resolves a reference on another registry to the digest of its image manifest (for an index:
 * of the manifest for this machine), keeping the manifest and the image config in the blob store
 * (verified by digest), so that what a revision pins can be read back without the network.
 */
export async function resolveRemoteImage(blobs: BlobStore, ref: ImageRef & { host: string }, credentials: RegistryCredentials | undefined): Promise<ResolvedImage> {
  const registry = new RemoteRegistry(ref.host, credentials);
  const shown = formatImageRef(ref);
  let manifest = await fetchManifest(blobs, registry, ref.repository, ref.digest ?? ref.tag ?? 'latest', ref.digest !== undefined);
  if (manifest.parsed.kind === 'index') {
    const child = chooseFromIndex(manifest.parsed.index.manifests);
    if (!child) throw new EveraiError('EVERAI_IMAGE_NOT_FOUND', `image '${shown}' is an empty index`);
    manifest = await fetchManifest(blobs, registry, ref.repository, child.digest, true);
  }
  if (manifest.parsed.kind !== 'image') throw new EveraiError('EVERAI_IMAGE_NOT_FOUND', `image '${shown}' nests an index in an index`);
  const { config: configBlob, layers } = manifest.parsed.manifest;
  if (!(await blobs.has(configBlob.digest))) await blobs.write(await registry.blob(ref.repository, configBlob.digest), configBlob.digest);
  const config = imageConfigSchema.safeParse(parseJson(await readBlob(blobs, configBlob.digest, MANIFEST_SIZE_LIMIT, 'the image config')));
  if (!config.success) throw new EveraiError('EVERAI_BAD_REQUEST', `image '${shown}' has an image config that is not valid`);
  const resolved: ResolvedImage = {
    repository: `${ref.host}/${ref.repository}`,
    digest: manifest.digest,
    config: config.data,
    layers: layers.map(({ digest, size, mediaType }) => ({ digest, size, mediaType })),
  };
  if (ref.tag !== undefined) resolved.tag = ref.tag;
  return resolved;
}

/** A manifest by digest comes from the blob store when it is there; by tag it always asks the registry. */
async function fetchManifest(
  blobs: BlobStore,
  registry: RemoteRegistry,
  repository: string,
  reference: string,
  byDigest: boolean,
): Promise<{ digest: string; parsed: ParsedManifest }> {
  if (byDigest && (await blobs.has(reference))) {
    const bytes = await readBlob(blobs, reference, MANIFEST_SIZE_LIMIT, 'the manifest');
    return { digest: reference, parsed: parseManifest(bytes, storedMediaType(bytes)) };
  }
  const fetched = await registry.manifest(repository, reference);
  const parsed = parseManifest(fetched.bytes, fetched.mediaType || undefined);
  await blobs.write(Readable.from([fetched.bytes]), fetched.digest);
  return { digest: fetched.digest, parsed };
}

/**
 * The blob store keeps bytes, not the Content-Type they came with; an OCI manifest may leave its
 * `mediaType` out, so the type is told by its shape (image spec: an index has `manifests`).
 */
function storedMediaType(bytes: Buffer): string | undefined {
  const doc = parseJson(bytes) as { mediaType?: unknown; manifests?: unknown } | undefined;
  if (doc?.mediaType !== undefined) return undefined;
  return doc?.manifests !== undefined ? MEDIA_TYPES.ociIndex : MEDIA_TYPES.ociManifest;
}

/** Brings every layer the blob store lacks from the registry; the store checks each digest as it writes. */
export async function pullLayers(blobs: BlobStore, source: RemoteImageSource, layers: readonly { digest: string }[], signal?: AbortSignal): Promise<void> {
  const registry = new RemoteRegistry(source.host, source.credentials);
  for (const { digest } of layers) {
    signal?.throwIfAborted();
    if (await blobs.has(digest)) continue;
    try {
      await blobs.write(await registry.blob(source.repository, digest), digest, signal);
    } catch (error) {
      if (error instanceof EveraiError) throw error;
      throw new EveraiError('EVERAI_REGISTRY_FAILED', `pulling layer ${digest} from registry ${source.host} failed: ${(error as Error).message}`, { cause: error });
    }
  }
}
