import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiClient } from '../api-client';
import type { WhoAmIView } from '../../contract/api-views';
import { EveraiError } from '../../contract/errors';
import { compiledApp } from './compile-app';
import { fetchBaseImage, IMAGE_ARCHITECTURE, type BaseImage } from './base-image';
import { findAppFile, imageNameOf } from './image-source';
import { buildImage, type BuildOptions } from './oci-image-builder';
import { formatBytes, pushProgress, shortDigest, type PushProgress } from './push-progress';
import { pushTarget } from './push-target';
import { RegistryPushClient } from './registry-push-client';
import { isPythonAppFile } from '../../contract/python-worker';
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

/** A manifest folder is files only, unless it has a base: then the base says what runs, as whom. */
function baseLayers(base: BaseImage | undefined): Layers {
  if (!base) return {};
  return { lower: base.layers, ...(base.config.config ? { process: base.config.config } : {}), architecture: base.config.architecture ?? IMAGE_ARCHITECTURE };
}

/**
 * `everai image build`: builds the app folder into an image in a temp OCI layout and
 * pushes it to the platform's registry as the app's image name, in the user's space. Returns
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
    const base = options.base !== undefined ? await fetchBaseImage(api, options.base, userName) : undefined;
    const appFile = findAppFile(options.appDir);
    const layers = appFile ? await sdkLayers(api, progress, base, appFile, userName) : baseLayers(base);
    const compiled = appFile && !isPythonAppFile(appFile) ? await compiledApp(options.appDir, appFile) : undefined;
    const built = await buildImage({
      appDir: options.appDir,
      layoutDir,
      tag: target.tag,
      ...(appFile ? { appFile } : {}),
      ...(compiled ? { generated: [compiled] } : {}),
      ...layers,
    });
    const layerBytes = built.blobs.filter((b) => b.kind === 'layer').reduce((sum, b) => sum + b.size, 0);
    const registryPath = `${new URL(api.baseUrl).host}/${target.repository}:${target.tag}`;
    process.stderr.write(`built ${image} as ${registryPath} ${shortDigest(built.manifestDigest)} (${built.fileCount} files, ${formatBytes(layerBytes)})\n`);
    const digest = await new RegistryPushClient(api).push(built, target, progress);
    return `${image}@${digest}`;
  } finally {
    await rm(layoutDir, { recursive: true, force: true });
  }
}
