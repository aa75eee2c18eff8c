import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { HELPER_THREAD_HEAP } from '../../../contract/helper-thread-heap';
import type { FileAnswer, FileRequest, FileSpan, FileWork } from './file-worker';

interface Waiting {
  resolve: (answer: FileAnswer) => void;
  reject: (error: Error) => void;
}

/**
 * Works on many files in one message there and back, on a thread of its own (file-worker.ts).
 * Through the thread pool each system call on a file was a round trip that cost the server about
 * 30 µs of CPU: the commit of a push of 10,000 small files waited 0.8 s on 20,000 utimes and
 * stats one after another, and a pull of them spent about 1.5 s on an open, a read and a close
 * for each. Made in the main thread instead they would take microseconds each, but a file whose
 * inode or bytes are not cached is a read from the disk, which must not stall the event loop of a
 * process that also serves the API and the gateway.
 */
class FileThread {
  private worker: Worker | undefined;
  private lastId = 0;
  private readonly waiting = new Map<number, Waiting>();

  async call(work: FileWork): Promise<FileAnswer> {
    const worker = (this.worker ??= this.start());
    const id = ++this.lastId;
    worker.ref();
    const answer = new Promise<FileAnswer>((resolve, reject) => this.waiting.set(id, { resolve, reject }));
    worker.postMessage({ id, ...work } satisfies FileRequest);
    const answered = await answer;
    if ('error' in answered) throw new Error(answered.error);
    return answered;
  }

  private start(): Worker {
    const worker = new Worker(join(__dirname, 'file-worker.js'), { resourceLimits: HELPER_THREAD_HEAP });
    worker.unref();
    worker.on('message', (answer: FileAnswer) => {
      const waiting = this.waiting.get(answer.id);
      this.waiting.delete(answer.id);
      if (this.waiting.size === 0) worker.unref();
      waiting?.resolve(answer);
    });
    // A thread that died fails what waits on it; the next call starts a new one.
    const fail = (error: Error) => {
      if (this.worker === worker) this.worker = undefined;
      for (const waiting of this.waiting.values()) waiting.reject(error);
      this.waiting.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (exitCode) => fail(new Error(`the file thread exited (code ${exitCode})`)));
    return worker;
  }
}

let thread: FileThread | undefined;

/** The file thread, started at the first call and kept (it keeps the process alive only while a call waits on it). */
function fileThread(): FileThread {
  return (thread ??= new FileThread());
}

/** Paths a touch sends the file thread at once: what it holds alive stays a few MB, however many files a commit names. */
const TOUCH_PATHS = 10_000;

/** Sets the times of each file to `at` on the file thread; the size of each, -1 for one not there. */
export async function touchFiles(paths: string[], at: Date): Promise<number[]> {
  const sizes: number[] = [];
  for (let from = 0; from < paths.length; from += TOUCH_PATHS) {
    const answer = await fileThread().call({ touch: { paths: paths.slice(from, from + TOUCH_PATHS), atMs: at.getTime() } });
    // Each slice's sizes must line up with its paths: one missing would shift every later one.
    if (!('sizes' in answer)) throw new Error('the file thread answered a touch without sizes');
    sizes.push(...answer.sizes);
  }
  return sizes;
}

/**
 * Reads each file's first `size` bytes into `into` (a view of shared memory) at its `at`, on the
 * file thread; rejects when a file is missing or shorter.
 */
export async function readFiles(files: FileSpan[], into: Uint8Array): Promise<void> {
  if (files.length === 0) return;
  if (!(into.buffer instanceof SharedArrayBuffer)) throw new TypeError('readFiles reads into shared memory');
  await fileThread().call({ read: { files, into } });
}
