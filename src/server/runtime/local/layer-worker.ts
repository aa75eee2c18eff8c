import { parentPort } from 'node:worker_threads';
import { EveraiError } from '../../../contract/errors';
import { applyLayerFile } from './layer-applier';

/**
 * The script of the layer thread (layer-thread.ts starts it): it applies image layers with
 * synchronous disk calls, which the server's main thread, serving the gateway, must not make.
 */

/** What the thread is asked to do. */
export interface LayerJob {
  root: string;
  blobPath: string;
  gzip: boolean;
}

/** The answer to a job: done, or the failure, as plain data (an Error's class does not cross threads). */
export type LayerOutcome = { ok: true } | { ok: false; message: string; everaiCode?: string; errno?: string };

function outcomeOf(error: unknown): LayerOutcome {
  if (error instanceof EveraiError) return { ok: false, message: error.message, everaiCode: error.code };
  const errno = (error as NodeJS.ErrnoException | null)?.code;
  return { ok: false, message: error instanceof Error ? error.message : String(error), ...(errno ? { errno } : {}) };
}

parentPort?.on('message', ({ id, job }: { id: number; job: LayerJob }) => {
  applyLayerFile(job.root, job.blobPath, job.gzip).then(
    () => parentPort?.postMessage({ id, outcome: { ok: true } satisfies LayerOutcome }),
    (error: unknown) => parentPort?.postMessage({ id, outcome: outcomeOf(error) }),
  );
});
