import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { HashAnswer, HashRequest } from './file-hash-worker';

/**
 * The sha256 of a file being written, hashed on a thread of its own (file-hash-worker.ts), which
 * reads the file back from the page cache behind its writer. Hashing costs about 0.6 s of CPU per
 * GiB, as much as receiving and writing it: on the writer's thread the two add up, on a thread of
 * its own the hash runs on another core meanwhile.
 */
export interface FileHash {
  /** The file now holds at least its first `bytes` bytes: the thread may hash up to there. */
  written(bytes: number): void;
  /** The digest of the file's bytes up to the last told; the hash is done after. */
  digest(): Promise<string>;
  /** Forgets the hash (a write that broke off). */
  drop(): void;
}

/** Tells the thread how far a file is written every this many bytes: a message per 8 MiB, not per piece. */
const TELL_EVERY = 8 * 1024 * 1024;

interface Waiting {
  resolve: (digest: string) => void;
  reject: (error: Error) => void;
}

/** The hash thread, started at its first file and kept; it keeps the process alive only while a digest is awaited. */
class HashThread {
  private worker: Worker | undefined;
  private lastId = 0;
  private readonly waiting = new Map<number, Waiting>();
  /** Hashes the thread failed before their digest was asked for. */
  private readonly failures = new Map<number, Error>();

  hashOf(path: string): FileHash {
    const worker = (this.worker ??= this.start());
    const id = ++this.lastId;
    let told = 0;
    let known = 0;
    const send = (request: HashRequest) => {
      if (!this.failures.has(id)) worker.postMessage(request);
    };
    return {
      written: (bytes) => {
        known = Math.max(known, bytes);
        if (known - told < TELL_EVERY) return;
        told = known;
        send({ id, path, upTo: known, last: false });
      },
      digest: () => {
        const failure = this.failures.get(id);
        this.failures.delete(id);
        if (failure) return Promise.reject(failure);
        worker.ref();
        const answer = new Promise<string>((resolve, reject) => this.waiting.set(id, { resolve, reject }));
        send({ id, path, upTo: known, last: true });
        return answer;
      },
      drop: () => {
        this.failures.delete(id);
        worker.postMessage({ id, drop: true } satisfies HashRequest);
      },
    };
  }

  private start(): Worker {
    const worker = new Worker(join(__dirname, 'file-hash-worker.js'));
    worker.unref();
    worker.on('message', (answer: HashAnswer) => {
      const waiting = this.waiting.get(answer.id);
      this.waiting.delete(answer.id);
      if (this.waiting.size === 0) worker.unref();
      if ('digest' in answer) return waiting?.resolve(answer.digest);
      const error = new Error(`hashing ${answer.path} failed: ${answer.error}`);
      // The thread forgets the hash; one whose digest is not asked for yet fails when it is.
      worker.postMessage({ id: answer.id, drop: true } satisfies HashRequest);
      if (waiting) waiting.reject(error);
      else this.failures.set(answer.id, error);
    });
    // A thread that died fails what it held; the next file starts a new one.
    const fail = (error: Error) => {
      if (this.worker === worker) this.worker = undefined;
      for (const waiting of this.waiting.values()) waiting.reject(error);
      this.waiting.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (exitCode) => fail(new Error(`the hash thread exited (code ${exitCode}) before it finished`)));
    return worker;
  }
}

let thread: HashThread | undefined;

/** Starts hashing the file at `path` behind its writer, who tells it how far it has written. */
export function hashBehind(path: string): FileHash {
  return (thread ??= new HashThread()).hashOf(path);
}
