/** Media types of the OCI image spec (and their Docker schema 2 twins, which registries still see). */
export const MEDIA_TYPES = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  ociLayerTar: 'application/vnd.oci.image.layer.v1.tar',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
} as const;

export const IMAGE_MANIFEST_TYPES: readonly string[] = [MEDIA_TYPES.ociManifest, MEDIA_TYPES.dockerManifest];
export const INDEX_MANIFEST_TYPES: readonly string[] = [MEDIA_TYPES.ociIndex, MEDIA_TYPES.dockerManifestList];

/** Manifests are small JSON documents; distribution registries refuse them above 4 MiB. */
export const MANIFEST_SIZE_LIMIT = 4 * 1024 * 1024;

/** The label that tells the platform which file of `/app` holds the app object. */
export const APP_FILE_LABEL = 'ai.everai.app-file';

/** Node's names for CPUs, as the image spec (Go's GOARCH) spells them. */
export const IMAGE_ARCHITECTURE: string = ({ x64: 'amd64', arm64: 'arm64' } as Record<string, string>)[process.arch] ?? process.arch;

// The documents' shapes, checked with zod in oci-schemas.ts. Their types only, here: what builds
// an image needs none of zod, whose loading took about 75 ms of each `everai image build`.
export type { Descriptor, ImageIndex, ImageManifest, OciImageConfig } from './oci-schemas';
