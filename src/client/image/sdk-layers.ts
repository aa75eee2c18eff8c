import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ApiClient } from '../api-client';
import { inUserSpace } from '../../contract/image-space';
import type { OciImageConfig } from '../../contract/oci';
import { IMAGE_ARCHITECTURE } from './base-image';
import { cachedLayer } from './build-cache';
import { IMAGE_PATH, NODE_BASE_REPOSITORY, NODE_BASE_TAG, NODE_PATH, nodeBaseEntries } from './node-base';
import { writeImage, type ImageLayer, type ProcessConfig } from './oci-image-builder';
import type { PushProgress } from './push-progress';
import { RegistryPushClient } from './registry-push-client';
import { sdkRuntimeEntries, WORKER_ENTRY } from './sdk-runtime';

/**
 * The layers an SDK app's image has under its own: Node and the everai SDK runtime, both plain
 * tar. They are built once per input (the build cache) and pushed once per registry; gzip would
 * cost seconds per build for bytes that only ever travel to a registry on the same network.
 */

/** Who a worker runs as unless its base says otherwise: nobody, with the root filesystem read-only. */
const NOBODY = '65534:65534';

/**
 * The node base layer, pushed as `everai/node-base:<node version>` in the user's space
 * (`alice/everai/node-base:20.20.2`) so they see what their images are built on, and so each app's
 * repository mounts it rather than receiving ~100 MB again.
 */
export async function nodeBaseLayer(api: ApiClient, progress: PushProgress, userName: string): Promise<ImageLayer> {
  const layer = await cachedLayer(await nodeBaseEntries(), 'none');
  const layoutDir = await mkdtemp(join(tmpdir(), 'everai-node-base-'));
  try {
    const config: OciImageConfig = {
      architecture: IMAGE_ARCHITECTURE,
      os: 'linux',
      config: { Env: [IMAGE_PATH], Entrypoint: [NODE_PATH] },
    };
    const image = await writeImage(layoutDir, NODE_BASE_TAG, [layer], config);
    const repository = inUserSpace(userName, NODE_BASE_REPOSITORY);
    await new RegistryPushClient(api).push(image, { repository, tag: NODE_BASE_TAG }, progress);
    return { ...layer, from: repository };
  } finally {
    await rm(layoutDir, { recursive: true, force: true });
  }
}

export async function sdkRuntimeLayer(): Promise<ImageLayer> {
  return cachedLayer(await sdkRuntimeEntries(), 'none');
}

/**
 * How an SDK image starts: Node runs the SDK's worker entry in `/app`. On a `--base` image its Env
 * and User stay (PATH added only where it has none); its Entrypoint and Cmd give way to the worker.
 */
export function sdkProcess(base?: ProcessConfig): ProcessConfig {
  const { Entrypoint: _entrypoint, Cmd: _cmd, ...kept } = base ?? {};
  const env = kept.Env ?? [];
  return {
    ...kept,
    Env: env.some((line) => line.startsWith('PATH=')) ? env : [IMAGE_PATH, ...env],
    Entrypoint: [NODE_PATH, WORKER_ENTRY],
    User: kept.User || NOBODY,
  };
}
