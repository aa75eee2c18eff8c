// The OCI documents' shapes, checked where they come from outside: a push, a pull, a base image.
import { z } from 'zod';

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
