import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiClient } from '../api-client';
import type { WhoAmIView } from '../../contract/api-views';
import { EveraiError } from '../../contract/errors';
import { compiledApp } from './compile-app';
import type { BaseImage } from './base-image';
import { findAppFile, imageNameOf } from './image-source';
import { appLayer, imageConfig, writeImage, type AppLayer, type BuildOptions } from './oci-image-builder';
import { layerKey, packedLayer, rememberLayer } from './build-cache';
import { packLayer, type WrittenLayer } from './layer-writer';
import { layerRequestSink } from './layer-pieces';
import { formatBytes, pushProgress, shortDigest, type PushProgress } from './push-progress';
import { pushTarget } from './push-target';
import { RegistryPushClient } from './registry-push-client';
import { isPythonAppFile } from '../../contract/python-worker';
import { IMAGE_ARCHITECTURE } from '../../contract/oci';
import { PYTHON_RUNTIME } from './python-runtime';
import { NODE_RUNTIME, sdkProcess } from './sdk-layers';
import { buildWithDockerfile, dockerfileHint, hasDockerfile, type BuilderName } from './dockerfile-builder';

export interface BuildAndPushOptions {
  appDir: string;
  /** An app manifest whose `spec.image` names the image (instead of image_builder.ts). */
  manifestFile?: string;
  /** Build the folder's Dockerfile with this tool instead of packing the folder. */
  builder?: BuilderName;
  /** An image of the platform's registry to build on (`--base`), instead of the node or Python base. */
  base?: string;
  api?: ApiClient;
  progress?: PushProgress;
}

type Layers = Pick<BuildOptions, 'lower' | 'process' | 'architecture'>;

/** An SDK app runs its language and its SDK (Node for `app.ts`, Python for `app.py`), on that language's base or on `--base`. */
async function sdkLayers(api: ApiClient, progress: PushProgress, base: BaseImage | undefined, appFile: string, userName: string): Promise<Layers> {
  const runtime = isPythonAppFile(appFile) ? PYTHON_RUNTIME : NODE_RUNTIME;
  const lower = base ? base.layers : [await runtime.baseLayer(api, progress, userName)];
  return {
    lower: [...lower, await runtime.sdkLayer()],
    process: sdkProcess(base?.config.config, runtime.worker),
    architecture: base?.config.architecture ?? IMAGE_ARCHITECTURE,
  };
}

/**
 * The `--base` image, from the registry. Its module is loaded only for a build that has one: zod,
 * which checks the base's documents, took about 75 ms of every `everai image build`.
 */
function fetchedBase(api: ApiClient, base: string, userName: string): Promise<BaseImage> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { fetchBaseImage } = require('./base-image') as typeof import('./base-image');
  return fetchBaseImage(api, base, userName);
}

/** A manifest folder is files only, unless it has a base: then the base says what runs, as whom. */
function baseLayers(base: BaseImage | undefined): Layers {
  if (!base) return {};
  return { lower: base.layers, ...(base.config.config ? { process: base.config.config } : {}), architecture: base.config.architecture ?? IMAGE_ARCHITECTURE };
}

/**
 * The app folder's layer in the registry's repository: when the build cache knows what these
 * entries were packed into and the repository holds it, nothing is read or sent (an unchanged
 * rebuild); else the folder is packed, hashed and sent at once, never written to a file here.
 */
async function pushedAppLayer(client: RegistryPushClient, repository: string, app: AppLayer, progress: PushProgress): Promise<WrittenLayer> {
  const key = await layerKey(app.entries, app.compression);
  const known = await packedLayer(key);
  if (known && (await client.hasBlob(repository, known.digest))) {
    progress.present('layer', known.digest);
    return known;
  }
  const layer = await client.pushPacked(repository, 'layer', 'of the app folder', app.tarSize, (req, onBytes) => packLayer(app.entries, app.compression, (buffers) => layerRequestSink(req, buffers), onBytes), progress);
  await rememberLayer(key, layer);
  return layer;
}

/**
 * `everai image build`: builds the app folder into an image and pushes it to the platform's
 * registry as the app's image name, in the user's space: the folder's layer first, sent as it is
 * packed, then the lower layers the repository lacks, the config and the manifest (from a temp
 * OCI layout), so that the tag names the image only once all of it is there. Returns
 * `NAME@sha256:...`, the name as the app folder writes it.
 */
export async function buildAndPush(options: BuildAndPushOptions): Promise<string> {
  const api = options.api ?? new ApiClient();
  api.requireToken();
  const image = await imageNameOf(options.appDir, options.manifestFile);
  const userName = (await api.get<WhoAmIView>('/api/v1/whoami')).name;
  const target = pushTarget(image, api.baseUrl, userName);
  if (options.builder && options.base !== undefined) throw new EveraiError('EVERAI_USAGE', '--base and --builder do not go together: the Dockerfile names its own base');
  if (options.builder) return `${image}@${await buildWithDockerfile(options.builder, options.appDir, target, api)}`;
  if (hasDockerfile(options.appDir)) process.stderr.write(`note: ${dockerfileHint()}\n`);
  const layoutDir = await mkdtemp(join(tmpdir(), 'everai-image-'));
  try {
    const progress = options.progress ?? pushProgress();
    const base = options.base !== undefined ? await fetchedBase(api, options.base, userName) : undefined;
    const appFile = findAppFile(options.appDir);
    const layers = appFile ? await sdkLayers(api, progress, base, appFile, userName) : baseLayers(base);
    const compiled = appFile && !isPythonAppFile(appFile) ? await compiledApp(options.appDir, appFile) : undefined;
    const app = await appLayer({ appDir: options.appDir, ...(compiled ? { generated: [compiled] } : {}) });
    const client = new RegistryPushClient(api);
    const layer = await pushedAppLayer(client, target.repository, app, progress);
    const built = await writeImage(layoutDir, target.tag, [...(layers.lower ?? []), layer], imageConfig({ ...(appFile ? { appFile } : {}), ...layers }));
    const layerBytes = built.blobs.filter((b) => b.kind === 'layer').reduce((sum, b) => sum + b.size, 0);
    const registryPath = `${new URL(api.baseUrl).host}/${target.repository}:${target.tag}`;
    process.stderr.write(`built ${image} as ${registryPath} ${shortDigest(built.manifestDigest)} (${app.fileCount} files, ${formatBytes(layerBytes)})\n`);
    // The app's layer is in the repository already (above).
    const rest = { ...built, blobs: built.blobs.filter((blob) => blob.digest !== layer.digest) };
    const digest = await client.push(rest, target, progress);
    return `${image}@${digest}`;
  } finally {
    await rm(layoutDir, { recursive: true, force: true });
  }
}
