import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { EveraiError, isErrorCode } from '../../../contract/errors';
import type { LayerJob, LayerOutcome } from './layer-worker';

/** The failure the layer thread reported, as the error it was on that thread (an EveraiError stays one). */
function errorOf(outcome: Extract<LayerOutcome, { ok: false }>): Error {
  if (outcome.everaiCode !== undefined && isErrorCode(outcome.everaiCode)) return new EveraiError(outcome.everaiCode, outcome.message);
  return Object.assign(new Error(outcome.message), outcome.errno ? { code: outcome.errno } : {});
}

/**
 * Applies one image layer on a worker thread of its own (layer-worker.ts), which writes with
 * synchronous calls; resolves when the thread has applied all of it, rejects with its error.
 */
export function applyLayerOnThread(job: LayerJob): Promise<void> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(join(__dirname, 'layer-worker.js'), { workerData: job });
    let outcome: LayerOutcome | undefined;
    worker.once('message', (message: LayerOutcome) => (outcome = message));
    worker.once('error', reject);
    worker.once('exit', (exitCode) => {
      if (outcome?.ok) resolve();
      else if (outcome) reject(errorOf(outcome));
      else reject(new Error(`the image layer thread exited (code ${exitCode}) before it finished`));
    });
  });
}
