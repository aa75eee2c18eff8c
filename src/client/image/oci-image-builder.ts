import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { APP_FILE_LABEL, MEDIA_TYPES, type ImageIndex, type ImageManifest, type OciImageConfig } from '../../contract/oci';
import { listImageFiles } from './image-files';
import { directory, layerTree, type LayerEntry } from './layer-entries';
import { writeLayer, type LayerCompression, type WrittenLayer } from './layer-writer';

export interface ImageBlob {
  kind: 'config' | 'layer';
  digest: string;
  size: number;
  /** The blob's file on this machine; absent for a layer only the registry has (in `from`). */
  path?: string;
  /** A repository of the same registry that holds the blob, to mount it from instead of sending it. */
  from?: string;
}

/** A layer under the app's: built here (`path`), or a base image's in the registry (`from`). */
export type ImageLayer = WrittenLayer & Pick<ImageBlob, 'path' | 'from'>;

export interface BuiltImage {
  manifestDigest: string;
  manifest: Buffer;
  /** What the manifest names, config first. */
  blobs: ImageBlob[];
}

/** The process settings of an image config (`config.config`). */
export type ProcessConfig = NonNullable<OciImageConfig['config']>;

export interface BuildOptions {
  appDir: string;
  /** An empty or missing folder that becomes an OCI image layout (image spec, "Image Layout"). */
  layoutDir: string;
  /** Recorded as the manifest's `org.opencontainers.image.ref.name` in the layout's index. */
  tag: string;
  /** The app's entry file (`app.ts`...), labelled so the platform knows what to load. */
  appFile?: string;
  /** Files the build made from the app's (its compiled JS), under `/app` beside them; a name of the folder's own gives way. */
  generated?: readonly LayerEntry[];
  /** Layers under the app's, lowest first. */
  lower?: readonly ImageLayer[];
  /** What runs, as whom, with what env; the working directory becomes `/app`. */
  process?: ProcessConfig;
  /** The platform the lower layers are built for; `amd64` for an image of files only. */
  architecture?: string;
}

/** The folder every file of the app goes under; the image's working directory. */
const APP_PREFIX = 'app';

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

/** A cached blob into the layout: a hard link where it can be (the base is ~100 MB), else a copy. */
async function placeBlob(layoutDir: string, layer: ImageLayer): Promise<string | undefined> {
  if (layer.path === undefined) return undefined;
  const target = blobPath(layoutDir, layer.digest);
  if (target === layer.path) return target;
  await fs.link(layer.path, target).catch(async (error: NodeJS.ErrnoException) => {
    if (error.code === 'EEXIST') return;
    await fs.copyFile(layer.path as string, target);
  });
  return target;
}

/**
 * An image of `layers` (lowest first) and `config` in an image layout: config and manifest blobs,
 * the layers that have a file linked in, and an index naming the manifest as `tag`.
 */
export async function writeImage(layoutDir: string, tag: string, layers: readonly ImageLayer[], config: OciImageConfig): Promise<BuiltImage> {
  await fs.mkdir(join(layoutDir, 'blobs', 'sha256'), { recursive: true });
  await fs.writeFile(join(layoutDir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  const layerBlobs: ImageBlob[] = [];
  for (const layer of layers) {
    const path = await placeBlob(layoutDir, layer);
    layerBlobs.push({ kind: 'layer', digest: layer.digest, size: layer.size, ...(path ? { path } : {}), ...(layer.from ? { from: layer.from } : {}) });
  }
  const configBlob = await writeJsonBlob(layoutDir, { ...config, rootfs: { type: 'layers', diff_ids: layers.map((layer) => layer.diffId) } });

  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.ociManifest,
    config: { mediaType: MEDIA_TYPES.ociConfig, digest: configBlob.digest, size: configBlob.bytes.length },
    layers: layers.map(({ mediaType, digest, size }) => ({ mediaType, digest, size })),
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
        annotations: { 'org.opencontainers.image.ref.name': tag },
      },
    ],
  };
  await fs.writeFile(join(layoutDir, 'index.json'), JSON.stringify(index));

  return {
    manifestDigest: manifestBlob.digest,
    manifest: manifestBlob.bytes,
    blobs: [{ kind: 'config', digest: configBlob.digest, size: configBlob.bytes.length, path: configBlob.path }, ...layerBlobs],
  };
}

/**
 * An app folder holding more than this (model weights, datasets) goes into an uncompressed layer:
 * gzip ran at about 30 MB/s, so a 1 GiB folder spent half a minute compressing bytes (weights are
 * mostly incompressible) that travel to a registry on the same host or are unpacked locally.
 * Decided by the files' total size alone, so the same sources still give the same layer.
 */
const APP_GZIP_LIMIT = 64 * 1024 * 1024;

/** The layer of the app folder's files, before it is packed. */
export interface AppLayer {
  /** In tar order: `/app`, its files, the generated ones. */
  entries: LayerEntry[];
  compression: LayerCompression;
  /** Files of the app folder (what `built ...` counts). */
  fileCount: number;
  /** The tar's size in bytes, counting a long name's extra header as none (for a progress bar). */
  tarSize: number;
}

/** A tar entry's header, and the end-of-archive marker's two blocks. */
const TAR_BLOCK = 512;

/**
 * The app folder's layer: its files under `/app` (gzip, or none above APP_GZIP_LIMIT), in the
 * order and form that make the same sources give the same bytes.
 */
export async function appLayer(options: Pick<BuildOptions, 'appDir' | 'generated'>): Promise<AppLayer> {
  const files = await listImageFiles(options.appDir);
  const entries = layerTree([
    directory(APP_PREFIX),
    ...files.map((file) => ({ ...file, name: `${APP_PREFIX}/${file.path}` })),
    ...(options.generated ?? []).map((entry) => ({ ...entry, name: `${APP_PREFIX}/${entry.name}` })),
  ]);
  const bytes = files.reduce((sum, file) => sum + file.size, 0);
  const tarSize = entries.reduce((sum, entry) => sum + TAR_BLOCK + Math.ceil(entry.size / TAR_BLOCK) * TAR_BLOCK, 2 * TAR_BLOCK);
  return { entries, compression: bytes > APP_GZIP_LIMIT ? 'none' : 'gzip', fileCount: files.length, tarSize };
}

/**
 * The image's config (image spec, "Image Configuration"), less its `rootfs`: the process of
 * `options`, in `/app`, labelled with the app's entry file. Nothing time- or machine-dependent
 * goes in (no `created`, fixed platform), so the same layers give the same manifest digest.
 */
export function imageConfig(options: Pick<BuildOptions, 'appFile' | 'process' | 'architecture'>): OciImageConfig {
  const labels = { ...options.process?.Labels, ...(options.appFile ? { [APP_FILE_LABEL]: options.appFile } : {}) };
  const { Labels: _baseLabels, ...process } = options.process ?? {};
  return {
    architecture: options.architecture ?? 'amd64',
    os: 'linux',
    config: { ...process, WorkingDir: `/${APP_PREFIX}`, ...(Object.keys(labels).length > 0 ? { Labels: labels } : {}) },
  };
}

/**
 * Builds the app folder into an OCI image in an image layout, every blob a file: the lower
 * layers, the app's layer (appLayer), its config (imageConfig) and a manifest. `everai image
 * build` sends the app's layer as it packs it instead (build-and-push.ts), to the same digest.
 */
export async function buildImage(options: BuildOptions): Promise<BuiltImage & { fileCount: number }> {
  const app = await appLayer(options);
  await fs.mkdir(join(options.layoutDir, 'blobs', 'sha256'), { recursive: true });
  const layerTemp = join(options.layoutDir, 'blobs', 'layer.tmp');
  const layer = await writeLayer(app.entries, layerTemp, app.compression);
  const path = blobPath(options.layoutDir, layer.digest);
  await fs.rename(layerTemp, path);
  const built = await writeImage(options.layoutDir, options.tag, [...(options.lower ?? []), { ...layer, path }], imageConfig(options));
  return { ...built, fileCount: app.fileCount };
}
