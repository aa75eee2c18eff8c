import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { HashAnswer, HashRequest } from './download-digest-worker';

/**
 * The digest of a file being downloaded, fed as its bytes are written: `written` after each
 * piece (with the piece, and the bytes written so far), `digest` once the file is whole, `drop`
 * if the download broke off.
 */
export interface DownloadDigest {
  written(piece: Buffer, total: number): void;
  digest(): Promise<string>;
  drop(): void;
}

/** Makes the digest of each file a pull downloads into a temp file at `path`. */
export type DownloadDigests = (path: string) => DownloadDigest;

/** Hashes the pieces as they pass, on the thread that writes them. */
function inlineDigest(): DownloadDigest {
  const hash = createHash('sha256');
  return {
    written: (piece) => void hash.update(piece),
    digest: () => Promise.resolve(`sha256:${hash.digest('hex')}`),
    drop: () => undefined,
  };
}

/** Tells the hash thread how far a file is written every this many bytes: a message per 8 MiB, not per piece. */
const TELL_EVERY = 8 * 1024 * 1024;

interface Waiting {
  resolve: (digest: string) => void;
  reject: (error: Error) => void;
}

/**
 * A worker thread (download-digest-worker.ts) that reads each downloaded file back from the page cache
 * behind its writer and hashes it there. Receiving and writing a GiB cost the CLI about 0.6 s of
 * CPU and hashing it as much again on the same thread; on a thread of its own, the hash runs on
 * another core meanwhile, and a pull is bound by the slower of the two, not their sum. The thread
 * keeps the process alive only while a digest is awaited.
 */
class HashThread {
  private worker: Worker | undefined;
  private lastId = 0;
  private readonly waiting = new Map<number, Waiting>();
  /** Digests the thread failed before they were asked for. */
  private readonly failures = new Map<number, Error>();

  digestOf(path: string): DownloadDigest {
    const worker = (this.worker ??= this.start());
    const id = ++this.lastId;
    let told = 0;
    let total = 0;
    const send = (request: HashRequest) => {
      if (!this.failures.has(id)) worker.postMessage(request);
    };
    return {
      written: (_piece, written) => {
        total = written;
        if (total - told < TELL_EVERY) return;
        told = total;
        send({ id, path, upTo: total, last: false });
      },
      digest: () => {
        const failure = this.failures.get(id);
        this.failures.delete(id);
        if (failure) return Promise.reject(failure);
        worker.ref();
        const answer = new Promise<string>((resolve, reject) => this.waiting.set(id, { resolve, reject }));
        send({ id, path, upTo: total, last: true });
        return answer;
      },
      drop: () => {
        this.failures.delete(id);
        worker.postMessage({ id, drop: true } satisfies HashRequest);
      },
    };
  }

  private start(): Worker {
    const worker = new Worker(join(__dirname, 'download-digest-worker.js'));
    worker.unref();
    worker.on('message', (answer: HashAnswer) => {
      const waiting = this.waiting.get(answer.id);
      this.waiting.delete(answer.id);
      if (this.waiting.size === 0) worker.unref();
      if ('digest' in answer) return waiting?.resolve(answer.digest);
      const error = new Error(`hashing a downloaded file failed: ${answer.error}`);
      // The thread forgets the digest; one not awaited yet fails when it is.
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

/**
 * A pull that moves at least this much hashes on a thread of its own; a smaller one hashes
 * inline: starting a thread costs some 35 ms of CPU, what hashing 60 MB costs.
 */
const THREAD_FROM_BYTES = 64 * 1024 * 1024;

let hashThread: HashThread | undefined;

/** How a pull that downloads `bytes` in all checks each file's digest. */
export function downloadDigests(bytes: number): DownloadDigests {
  if (bytes < THREAD_FROM_BYTES) return inlineDigest;
  const thread = (hashThread ??= new HashThread());
  return (path) => thread.digestOf(path);
}
