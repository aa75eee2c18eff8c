import { EveraiError } from '../contract/errors';
import type { PullResult, PushResult } from '../contract/volume-transfer';

/** `context.volumeManager`: pushes and pulls volumes' local caches, where there is one. */
export interface VolumeManager {
  /** Uploads what the local cache has that the platform lacks, as a new revision. */
  push(name: string): Promise<PushResult>;
  /** Brings the local cache to the volume's newest revision. */
  pull(name: string): Promise<PullResult>;
}

/**
 * Kept on globalThis rather than in this module, like the prepare mode: a user's file could load
 * its own copy of the SDK, and its `context.volumeManager` must still find the CLI's client.
 */
const TRANSFER = Symbol.for('everai.volumeManager.transfer');
type TransferHolder = { [TRANSFER]?: (() => VolumeManager) | undefined };

/**
 * Hands the SDK what talks to the server. The SDK sits below the client (it imports contract only,
 * see test/import-direction.test.ts, so SDK images carry no client code); `everai app prepare` and
 * `app run` provide the client here before they run the app's hooks.
 */
export function provideVolumeTransfer(transfer: () => VolumeManager): void {
  (globalThis as TransferHolder)[TRANSFER] = transfer;
}

function client(): VolumeManager {
  // A worker's volumes are read-only revisions pinned by the platform; pushing happens in
  // `everai app prepare`, where the local cache is.
  if (process.env.EVERAI_WORKER_ID) {
    throw new EveraiError('EVERAI_BAD_REQUEST', 'a worker cannot push or pull volumes: its volumes are read-only; push from `everai app prepare`');
  }
  const transfer = (globalThis as TransferHolder)[TRANSFER];
  if (!transfer) {
    throw new EveraiError('EVERAI_BAD_REQUEST', 'context.volumeManager pushes and pulls under `everai app prepare` or `everai app run`, which connect it to the server');
  }
  return transfer();
}

export const volumeManager: VolumeManager = {
  push: (name) => client().push(name),
  pull: (name) => client().pull(name),
};
