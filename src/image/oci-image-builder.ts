import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { APP_FILE_LABEL, MEDIA_TYPES, type ImageIndex, type ImageManifest, type OciImageConfig } from '../common/oci';
import { listImageFiles } from './image-files';
import { APP_PREFIX, writeLayer } from './layer-writer';

export interface ImageBlob {
  kind: 'config' | 'layer';
  digest: string;
  size: number;
  /** The blob's file in the OCI layout. */
  path: string;
}

export interface BuiltImage {
  manifestDigest: string;
  manifest: Buffer;
  /** What the manifest names, config first. */
  blobs: ImageBlob[];
  fileCount: number;
}

export interface BuildOptions {
  appDir: string;
  /** An empty or missing folder that becomes an OCI image layout (image spec, "Image Layout"). */
  layoutDir: string;
  /** Recorded as the manifest's `org.opencontainers.image.ref.name` in the layout's index. */
  tag: string;
  /** The app's entry file (`app.ts`...), labelled so the platform knows what to load. */
  appFile?: string;
}

function sha256(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

function blobPath(layoutDir: string, digest: string): string {
  return join(layoutDir, 'blobs', 'sha256', digest.slice('sha256:'.length));
}

async function writeJsonBlob(layoutDir: string, value: unknown): Promise<{ bytes: Buffer; digest: string; path: string }> {
  const bytes = Buffer.from(JSON.stringify(value));
  const digest = sha256(bytes);
  const path = blobPath(layoutDir, digest);
  await fs.writeFile(path, bytes);
  return { bytes, digest, path };
}

/**
 * Builds the app folder into an OCI image in an image layout: one gzip layer with the files under
 * `/app`, a config whose working directory is `/app`, and a manifest. Nothing time- or
 * machine-dependent goes in (no `created`, fixed platform), so the same sources give the same
 * manifest digest.
 */
export async function buildImage(options: BuildOptions): Promise<BuiltImage> {
  const { layoutDir } = options;
  await fs.mkdir(join(layoutDir, 'blobs', 'sha256'), { recursive: true });
  await fs.writeFile(join(layoutDir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));

  const files = await listImageFiles(options.appDir);
  const layerTemp = join(layoutDir, 'blobs', 'layer.tmp');
  const layer = await writeLayer(files, layerTemp);
  const layerPath = blobPath(layoutDir, layer.digest);
  await fs.rename(layerTemp, layerPath);

  // Image spec, "Image Configuration". The image holds JavaScript only, so the platform is nominal.
  const config: OciImageConfig = {
    architecture: 'amd64',
    os: 'linux',
    config: {
      WorkingDir: `/${APP_PREFIX}`,
      ...(options.appFile ? { Labels: { [APP_FILE_LABEL]: options.appFile } } : {}),
    },
    rootfs: { type: 'layers', diff_ids: [layer.diffId] },
  };
  const configBlob = await writeJsonBlob(layoutDir, config);

  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.ociManifest,
    config: { mediaType: MEDIA_TYPES.ociConfig, digest: configBlob.digest, size: configBlob.bytes.length },
    layers: [{ mediaType: MEDIA_TYPES.ociLayerGzip, digest: layer.digest, size: layer.size }],
  };
  const manifestBlob = await writeJsonBlob(layoutDir, manifest);

  const index: ImageIndex & { manifests: { annotations: Record<string, string> }[] } = {
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.ociIndex,
    manifests: [
      {
        mediaType: MEDIA_TYPES.ociManifest,
        digest: manifestBlob.digest,
        size: manifestBlob.bytes.length,
        annotations: { 'org.opencontainers.image.ref.name': options.tag },
      },
    ],
  };
  await fs.writeFile(join(layoutDir, 'index.json'), JSON.stringify(index));

  return {
    manifestDigest: manifestBlob.digest,
    manifest: manifestBlob.bytes,
    blobs: [
      { kind: 'config', digest: configBlob.digest, size: configBlob.bytes.length, path: configBlob.path },
      { kind: 'layer', digest: layer.digest, size: layer.size, path: layerPath },
    ],
    fileCount: files.length,
  };
}
