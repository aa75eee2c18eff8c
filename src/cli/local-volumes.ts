import { existsSync, mkdirSync } from 'node:fs';
import { VOLUMES_ENV } from '../contract/worker-env';
import { ApiClient } from '../client/api-client';
import { VolumeClient } from '../client/volumes/volume-client';
import { provideVolumeTransfer } from '../sdk/volume-manager';

/**
 * Gives `app prepare` and `app run` the app's volumes the way a worker gets them, through
 * `EVERAI_VOLUMES`, but pointing at the local caches: a cache never pulled is pulled first; one
 * already here is used as it is, local edits included (that is what `app prepare` pushes).
 */
export async function provideLocalVolumes(names: readonly string[]): Promise<void> {
  // `context.volumeManager` in the app's hooks: the SDK does not load the client itself.
  provideVolumeTransfer(() => {
    const volumes = new VolumeClient(new ApiClient());
    return { push: (name) => volumes.push(name, { progress: true }), pull: (name) => volumes.pull(name, { progress: true }) };
  });
  if (names.length === 0) return;
  const client = new VolumeClient(new ApiClient());
  const volumes: Record<string, { path: string; revision: string; ready: boolean }> = {};
  for (const name of names) {
    const view = await client.get(name);
    const path = client.localPath(view);
    if (!existsSync(path)) {
      await client.pull(name, { progress: true });
      // An empty volume has no file to pull, but its cache is still where hooks write.
      mkdirSync(path, { recursive: true });
    }
    volumes[name] = { path, revision: view.revision, ready: true };
  }
  process.env[VOLUMES_ENV] = JSON.stringify(volumes);
}
