import type { ApiClient } from '../api-client';
import { EveraiError } from '../../contract/errors';
import { DEFAULT_TAG, parseImageRef } from '../../contract/image-ref';
import { inUserSpace } from '../../contract/image-space';
import { IMAGE_ARCHITECTURE, IMAGE_MANIFEST_TYPES, INDEX_MANIFEST_TYPES, type OciImageConfig } from '../../contract/oci';
import { imageConfigSchema, imageIndexSchema, imageManifestSchema } from '../../contract/oci-schemas';
import type { ImageLayer } from './oci-image-builder';
import { sameHost } from './push-target';
import { registryError } from './registry-push-client';

/** An image of the platform's registry that `everai image build --base` builds on. */
export interface BaseImage {
  repository: string;
  config: OciImageConfig;
  /** Its layers, lowest first, to be mounted from `repository`. */
  layers: ImageLayer[];
}

async function getJson(api: ApiClient, path: string, what: string, accept: readonly string[]): Promise<unknown> {
  const res = await api.call('GET', path, { headers: { accept: accept.join(', ') } });
  if (res.status !== 200) throw registryError(res.status, res.text, what);
  return JSON.parse(res.text) as unknown;
}

/**
 * Resolves `name[:tag]` or `name@digest` of `userName`'s space through the registry API with the
 * user's token: its manifest (for an index, the linux one for this machine's CPU) and its config.
 */
export async function fetchBaseImage(api: ApiClient, image: string, userName: string): Promise<BaseImage> {
  const ref = parseImageRef(image);
  if (ref.host !== undefined && !sameHost(ref.host, new URL(api.baseUrl).host)) {
    throw new EveraiError('EVERAI_USAGE', `--base ${image} names the registry ${ref.host}; a base must be in the everai registry (push it there first, e.g. with skopeo copy)`);
  }
  const repository = inUserSpace(userName, ref.repository);
  const manifestTypes = [...IMAGE_MANIFEST_TYPES, ...INDEX_MANIFEST_TYPES];
  let reference = ref.digest ?? ref.tag ?? DEFAULT_TAG;
  let json = await getJson(api, `/v2/${repository}/manifests/${reference}`, `the base image ${image}`, manifestTypes);
  const index = imageIndexSchema.safeParse(json);
  if (index.success && index.data.manifests.length > 0 && !imageManifestSchema.safeParse(json).success) {
    const child = index.data.manifests.find((m) => m.platform?.os === 'linux' && m.platform.architecture === IMAGE_ARCHITECTURE);
    if (!child) throw new EveraiError('EVERAI_BAD_REQUEST', `the base image ${image} has no linux/${IMAGE_ARCHITECTURE} manifest`);
    reference = child.digest;
    json = await getJson(api, `/v2/${repository}/manifests/${reference}`, `the base image ${image}`, IMAGE_MANIFEST_TYPES);
  }
  const manifest = imageManifestSchema.parse(json);
  const config = imageConfigSchema.parse(await getJson(api, `/v2/${repository}/blobs/${manifest.config.digest}`, `the config of ${image}`, ['*/*']));
  const diffIds = config.rootfs?.diff_ids ?? [];
  if (diffIds.length !== manifest.layers.length) {
    throw new EveraiError('EVERAI_BAD_REQUEST', `the base image ${image} names ${manifest.layers.length} layers but ${diffIds.length} diff ids`);
  }
  const layers = manifest.layers.map((layer, i) => ({
    digest: layer.digest,
    size: layer.size,
    mediaType: layer.mediaType,
    diffId: diffIds[i] as string,
    from: repository,
  }));
  return { repository, config, layers };
}
