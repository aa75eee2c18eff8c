import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { EveraiError, isErrorCode } from '../../../contract/errors';
import type { LayerJob, LayerOutcome } from './layer-worker';

/** The failure the layer thread reported, as the error it was on that thread (an EveraiError stays one). */
function errorOf(outcome: Extract<LayerOutcome, { ok: false }>): Error {
  if (outcome.everaiCode !== undefined && isErrorCode(outcome.everaiCode)) return new EveraiError(outcome.everaiCode, outcome.message);
  return Object.assign(new Error(outcome.message), outcome.errno ? { code: outcome.errno } : {});
}

interface Waiting {
  resolve: () => void;
  reject: (error: Error) => void;
}

/**
 * One worker thread (layer-worker.ts) for every layer this process unpacks, started at the first
 * and kept: starting a thread costs some 35 ms of CPU, which a small layer would pay many times
 * over. It keeps the process alive only while it has a layer to apply.
 */
class LayerThread {
  private worker: Worker | undefined;
  private lastId = 0;
  private readonly waiting = new Map<number, Waiting>();

  apply(job: LayerJob): Promise<void> {
    const worker = (this.worker ??= this.start());
    const id = ++this.lastId;
    const done = new Promise<void>((resolve, reject) => this.waiting.set(id, { resolve, reject }));
    worker.ref();
    worker.postMessage({ id, job });
    return done;
  }

  private start(): Worker {
    const worker = new Worker(join(__dirname, 'layer-worker.js'));
    worker.on('message', ({ id, outcome }: { id: number; outcome: LayerOutcome }) => {
      const waiting = this.waiting.get(id);
      this.waiting.delete(id);
      if (this.waiting.size === 0) worker.unref();
      if (outcome.ok) waiting?.resolve();
      else waiting?.reject(errorOf(outcome));
    });
    // A thread that died (out of memory, a bug) fails what it held; the next layer starts a new one.
    const fail = (error: Error) => {
      if (this.worker === worker) this.worker = undefined;
      for (const waiting of this.waiting.values()) waiting.reject(error);
      this.waiting.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (exitCode) => fail(new Error(`the image layer thread exited (code ${exitCode}) before it finished`)));
    return worker;
  }
}

const thread = new LayerThread();

/** Applies one image layer on the layer thread; resolves when all of it is applied, rejects with the thread's error. */
export function applyLayerOnThread(job: LayerJob): Promise<void> {
  return thread.apply(job);
}
