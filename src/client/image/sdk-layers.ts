import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ApiClient } from '../api-client';
import { inUserSpace } from '../../contract/image-space';
import { IMAGE_ARCHITECTURE, type OciImageConfig } from '../../contract/oci';
import { cachedLayer } from './build-cache';
import { IMAGE_PATH, NODE_BASE_REPOSITORY, NODE_BASE_TAG, NODE_PATH, nodeBaseEntries } from './node-base';
import { writeImage, type ImageLayer, type ProcessConfig } from './oci-image-builder';
import type { PushProgress } from './push-progress';
import { RegistryPushClient } from './registry-push-client';
import { sdkRuntimeEntries, WORKER_ENTRY } from './sdk-runtime';

/**
 * The layers an SDK app's image has under its own: a base with the language runtime (Node, or
 * Python) and the everai SDK, both plain tar. They are built once per input (the build cache) and
 * pushed once per registry; gzip would cost seconds per build for bytes that only ever travel to
 * a registry on the same network.
 */

/** Who a worker runs as unless its base says otherwise: nobody, with the root filesystem read-only. */
const NOBODY = '65534:65534';

/** How an SDK image starts its worker: the command, and the env it needs beside PATH. */
export interface WorkerProcess {
  entrypoint: string[];
  env: string[];
}

/** What an SDK app's image is made of, for one language: the app folder goes on top. */
export interface SdkRuntime {
  /** The base, pushed as an image of its own in the user's space (see `publishedBaseLayer`); `--base IMAGE` replaces it. */
  baseLayer(api: ApiClient, progress: PushProgress, userName: string): Promise<ImageLayer>;
  sdkLayer(): Promise<ImageLayer>;
  worker: WorkerProcess;
}

export interface BaseImageName {
  repository: string;
  tag: string;
  /** Its config's process settings: what a user who runs the base itself gets. */
  process: ProcessConfig;
}

/**
 * A base layer pushed as an image of its own in the user's space (`alice/everai/node-base:20.20.2`),
 * so they see what their SDK images are built on, and so each app's repository mounts it rather
 * than receiving ~100 MB again.
 */
export async function publishedBaseLayer(api: ApiClient, progress: PushProgress, layer: ImageLayer, name: BaseImageName, userName: string): Promise<ImageLayer> {
  const layoutDir = await mkdtemp(join(tmpdir(), 'everai-base-'));
  try {
    const config: OciImageConfig = { architecture: IMAGE_ARCHITECTURE, os: 'linux', config: name.process };
    const image = await writeImage(layoutDir, name.tag, [layer], config);
    const repository = inUserSpace(userName, name.repository);
    await new RegistryPushClient(api).push(image, { repository, tag: name.tag }, progress);
    return { ...layer, from: repository };
  } finally {
    await rm(layoutDir, { recursive: true, force: true });
  }
}

/** Node and the TypeScript SDK's runtime (README, "Quickstart"). */
export const NODE_RUNTIME: SdkRuntime = {
  baseLayer: async (api, progress, userName) =>
    publishedBaseLayer(
      api,
      progress,
      await cachedLayer(await nodeBaseEntries(), 'none'),
      { repository: NODE_BASE_REPOSITORY, tag: NODE_BASE_TAG, process: { Env: [IMAGE_PATH], Entrypoint: [NODE_PATH] } },
      userName,
    ),
  sdkLayer: async () => cachedLayer(await sdkRuntimeEntries(), 'none'),
  worker: { entrypoint: [NODE_PATH, WORKER_ENTRY], env: [] },
};

const envName = (line: string) => line.slice(0, line.indexOf('='));

/**
 * How an SDK image starts: its worker, in `/app`. On a `--base` image its Env and User stay (PATH
 * added only where it has none, the worker's own variables in place of the base's of the same
 * name); its Entrypoint and Cmd give way to the worker.
 */
export function sdkProcess(base: ProcessConfig | undefined, worker: WorkerProcess): ProcessConfig {
  const { Entrypoint: _entrypoint, Cmd: _cmd, ...kept } = base ?? {};
  const own = new Set(worker.env.map(envName));
  const env = [...(kept.Env ?? []).filter((line) => !own.has(envName(line))), ...worker.env];
  return {
    ...kept,
    Env: env.some((line) => line.startsWith('PATH=')) ? env : [IMAGE_PATH, ...env],
    Entrypoint: worker.entrypoint,
    User: kept.User || NOBODY,
  };
}
