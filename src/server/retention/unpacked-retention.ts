import type { Logger } from '../logger';
import type { Runtime } from '../runtime/runtime';
import { RetentionLoop } from './retention-loop';

/**
 * Keeps the unpacked images and volume trees under the data folder bounded (docs/worker-lifecycle.md):
 * each one no worker uses goes once nobody has asked for it for the retention age. The age is a
 * grace period: an image unpacked for a worker about to start, or the one a rollback goes back to
 * soon after a rollout, is still there when it is asked for.
 */
export class UnpackedRetention extends RetentionLoop {
  constructor(runtime: Runtime, retentionMs: number, log: Logger, everyMs?: number) {
    super(
      'unpacked folder',
      retentionMs,
      async (before) => {
        const removed = await runtime.removeUnused(Date.parse(before));
        if (removed.length > 0) log.info(`removed ${removed.length} unused unpacked folder${removed.length === 1 ? '' : 's'}`, { folders: removed });
        return removed.length;
      },
      log,
      everyMs,
    );
  }
}
