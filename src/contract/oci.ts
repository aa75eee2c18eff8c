import { z } from 'zod';

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

// OCI image spec, "Descriptors".
const descriptorSchema = z.object({
  mediaType: z.string(),
  digest: z.string(),
  size: z.number().int().nonnegative(),
  urls: z.array(z.string()).optional(),
  platform: z.object({ architecture: z.string(), os: z.string() }).optional(),
});

// OCI image spec, "Image Manifest" (Docker schema 2 has the same shape).
export const imageManifestSchema = z.object({
  schemaVersion: z.literal(2),
  mediaType: z.string().optional(),
  config: descriptorSchema,
  layers: z.array(descriptorSchema),
});

// OCI image spec, "Image Index" (Docker's manifest list has the same shape).
export const imageIndexSchema = z.object({
  schemaVersion: z.literal(2),
  mediaType: z.string().optional(),
  manifests: z.array(descriptorSchema),
});

// OCI image spec, "Image Configuration": only the fields the platform reads or `everai image build` writes.
export const imageConfigSchema = z.object({
  architecture: z.string().optional(),
  os: z.string().optional(),
  config: z
    .object({
      Env: z.array(z.string()).optional(),
      Entrypoint: z.array(z.string()).nullish(),
      Cmd: z.array(z.string()).nullish(),
      WorkingDir: z.string().optional(),
      User: z.string().optional(),
      ExposedPorts: z.record(z.string(), z.object({})).nullish(),
      Labels: z.record(z.string(), z.string()).nullish(),
    })
    .optional(),
  rootfs: z.object({ type: z.string(), diff_ids: z.array(z.string()) }).optional(),
});

export type Descriptor = z.infer<typeof descriptorSchema>;
export type ImageManifest = z.infer<typeof imageManifestSchema>;
export type ImageIndex = z.infer<typeof imageIndexSchema>;
export type OciImageConfig = z.infer<typeof imageConfigSchema>;
