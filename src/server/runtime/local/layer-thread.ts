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
 * A worker thread (layer-worker.ts) that applies layers, started at its first and kept: starting a
 * thread costs some 35 ms of CPU, which small layers would pay many times over. It keeps the
 * process alive only while it has a layer to apply.
 */
class LayerThread {
  private worker: Worker | undefined;
  private lastId = 0;
  private readonly waiting = new Map<number, Waiting>();

  /** Layers sent to it and not yet applied. */
  get pending(): number {
    return this.waiting.size;
  }

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

/**
 * Layer threads at most. A thread applies a plain layer in one synchronous run, so a second layer
 * sent to a busy thread waits for all of the first: one thread for the process would hold a small
 * app's first start behind another image's gigabytes.
 */
const MAX_THREADS = 4;
const threads: LayerThread[] = [];

/** A thread with nothing to do, else a new one while there are fewer than MAX_THREADS, else the least busy. */
function threadFor(): LayerThread {
  const idle = threads.find((thread) => thread.pending === 0);
  if (idle) return idle;
  if (threads.length < MAX_THREADS) {
    const started = new LayerThread();
    threads.push(started);
    return started;
  }
  return threads.reduce((least, thread) => (thread.pending < least.pending ? thread : least));
}

/** Applies one image layer on a layer thread; resolves when all of it is applied, rejects with the thread's error. */
export function applyLayerOnThread(job: LayerJob): Promise<void> {
  return threadFor().apply(job);
}
