import { EveraiError } from '../contract/errors';
import type { VolumeClient } from '../client/volumes/volume-client';

/** `context.volumeManager`: pushes and pulls volumes' local caches, where there is one. */
export interface VolumeManager {
  /** Uploads what the local cache has that the platform lacks, as a new revision. */
  push(name: string): ReturnType<VolumeClient['push']>;
  /** Brings the local cache to the volume's newest revision. */
  pull(name: string): ReturnType<VolumeClient['pull']>;
}

function client(): VolumeClient {
  // A worker's volumes are read-only revisions pinned by the platform; pushing happens in
  // `everai app prepare`, where the local cache is.
  if (process.env.EVERAI_WORKER_ID) {
    throw new EveraiError('EVERAI_BAD_REQUEST', 'a worker cannot push or pull volumes: its volumes are read-only; push from `everai app prepare`');
  }
  // Loaded on use: workers never need the client, nor its HTTP stack.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { VolumeClient } = require('../client/volumes/volume-client') as typeof import('../client/volumes/volume-client');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { ApiClient } = require('../client/api-client') as typeof import('../client/api-client');
  return new VolumeClient(new ApiClient());
}

export const volumeManager: VolumeManager = {
  push: (name) => client().push(name, { progress: true }),
  pull: (name) => client().pull(name, { progress: true }),
};
