import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiClient } from '../cli/api-client';
import { findAppFile, imageNameOf } from './image-source';
import { buildImage } from './oci-image-builder';
import { formatBytes, pushProgress, shortDigest, type PushProgress } from './push-progress';
import { pushTarget } from './push-target';
import { RegistryPushClient } from './registry-push-client';
import { buildWithDockerfile, dockerfileHint, hasDockerfile, type BuilderName } from './dockerfile-builder';

export interface BuildAndPushOptions {
  appDir: string;
  /** An app manifest whose `spec.image` names the image (instead of image_builder.ts). */
  manifestFile?: string;
  /** Build the folder's Dockerfile with this tool instead of packing the folder. */
  builder?: BuilderName;
  api?: ApiClient;
  progress?: PushProgress;
}

/**
 * `everai image build` (SPEC §8): builds the app folder into an image in a temp OCI layout and
 * pushes it to the platform's registry as the app's image name. Returns `NAME@sha256:...`.
 */
export async function buildAndPush(options: BuildAndPushOptions): Promise<string> {
  const api = options.api ?? new ApiClient();
  api.requireToken();
  const image = await imageNameOf(options.appDir, options.manifestFile);
  const target = pushTarget(image, api.baseUrl);
  if (options.builder) return `${image}@${await buildWithDockerfile(options.builder, options.appDir, target, api)}`;
  if (hasDockerfile(options.appDir)) process.stderr.write(`note: ${dockerfileHint()}\n`);
  const layoutDir = await mkdtemp(join(tmpdir(), 'everai-image-'));
  try {
    const appFile = findAppFile(options.appDir);
    const built = await buildImage({ appDir: options.appDir, layoutDir, tag: target.tag, ...(appFile ? { appFile } : {}) });
    const layerBytes = built.blobs.filter((b) => b.kind === 'layer').reduce((sum, b) => sum + b.size, 0);
    process.stderr.write(`built ${image} ${shortDigest(built.manifestDigest)} (${built.fileCount} files, ${formatBytes(layerBytes)})\n`);
    const digest = await new RegistryPushClient(api).push(built, target, options.progress ?? pushProgress());
    return `${image}@${digest}`;
  } finally {
    await rm(layoutDir, { recursive: true, force: true });
  }
}
