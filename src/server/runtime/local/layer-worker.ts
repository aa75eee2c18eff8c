import { parentPort, workerData } from 'node:worker_threads';
import { EveraiError } from '../../../contract/errors';
import { applyLayerFile } from './layer-applier';

/**
 * The worker thread's script that applies one image layer (layer-thread.ts starts it): the unpack
 * writes with synchronous calls, which the server's main thread, serving the gateway, must not make.
 */

/** What the thread is asked to do. */
export interface LayerJob {
  root: string;
  blobPath: string;
  gzip: boolean;
}

/** The thread's one message: done, or the failure, as plain data (an Error's class does not cross threads). */
export type LayerOutcome = { ok: true } | { ok: false; message: string; everaiCode?: string; errno?: string };

function outcomeOf(error: unknown): LayerOutcome {
  if (error instanceof EveraiError) return { ok: false, message: error.message, everaiCode: error.code };
  const errno = (error as NodeJS.ErrnoException | null)?.code;
  return { ok: false, message: error instanceof Error ? error.message : String(error), ...(errno ? { errno } : {}) };
}

const job = workerData as LayerJob;
applyLayerFile(job.root, job.blobPath, job.gzip).then(
  () => parentPort?.postMessage({ ok: true } satisfies LayerOutcome),
  (error: unknown) => parentPort?.postMessage(outcomeOf(error)),
);
