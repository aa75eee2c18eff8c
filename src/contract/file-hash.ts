import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { HashAnswer, HashRequest, StoreIfDigest } from './file-hash-worker';
import { HELPER_THREAD_HEAP } from './helper-thread-heap';

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

/** A digest fed its bytes piece by piece, in order, hashed on a hash thread. */
export interface FedHash {
  /**
   * Adds `piece`. One in shared memory is hashed where it lies: `taken` runs once it is, and until
   * then the piece must not change. Another is copied to the thread, and `taken` runs at once.
   */
  update(piece: Uint8Array, taken: () => void): void;
  /** The digest of the pieces added; the hash is done after. */
  digest(): Promise<string>;
  /** Forgets the hash (a transfer that broke off). */
  drop(): void;
}

/**
 * Bytes to hash, in one file or stream, from which a hash thread is worth it: starting one costs
 * some 35 ms of CPU, what hashing 60 MB costs.
 */
export const HASH_THREAD_FROM_BYTES = 64 * 1024 * 1024;

/** Tells the thread how far a file is written every this many bytes: a message per 8 MiB, not per piece. */
const TELL_EVERY = 8 * 1024 * 1024;

interface Waiting {
  resolve: (digest: string) => void;
  reject: (error: Error) => void;
}

/** A hash thread (or the write thread), started at its first task and kept; it keeps the process alive only while a digest or a write is awaited. */
class HashThread {
  private worker: Worker | undefined;
  private lastId = 0;
  private readonly waiting = new Map<number, Waiting>();
  /** What runs as each shared piece of a fed digest is hashed, by digest, in the order the pieces went. */
  private readonly taking = new Map<number, (() => void)[]>();
  /** Hashes the thread failed before their digest was asked for. */
  private readonly failures = new Map<number, Error>();
  /** Files given to the thread whose digest has not come back, nor been dropped. */
  hashing = 0;
  /** Shared pieces sent to the thread that it has not answered `took` for yet. */
  private piecesOut = 0;

  /** `role`: what the thread is, in the error that says it died. */
  constructor(private readonly role = 'hash thread') {}

  hashOf(path: string): FileHash {
    const worker = (this.worker ??= this.start());
    const id = ++this.lastId;
    let told = 0;
    let known = 0;
    const send = (request: HashRequest) => {
      if (!this.failures.has(id)) worker.postMessage(request);
    };
    this.hashing++;
    let done = false;
    const finish = () => {
      if (!done) this.hashing--;
      done = true;
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
        if (failure) {
          finish();
          return Promise.reject(failure);
        }
        worker.ref();
        const answer = new Promise<string>((resolve, reject) => this.waiting.set(id, { resolve, reject }));
        send({ id, path, upTo: known, last: true });
        return answer.finally(finish);
      },
      drop: () => {
        finish();
        this.failures.delete(id);
        worker.postMessage({ id, drop: true } satisfies HashRequest);
      },
    };
  }

  /** A digest fed piece by piece (FedHash). */
  fed(): FedHash {
    const worker = (this.worker ??= this.start());
    const id = ++this.lastId;
    const takers: (() => void)[] = [];
    this.taking.set(id, takers);
    this.hashing++;
    let done = false;
    const finish = () => {
      if (!done) {
        this.hashing--;
        this.taking.delete(id);
      }
      done = true;
    };
    return {
      update: (piece, taken) => {
        const shared = piece.buffer instanceof SharedArrayBuffer;
        if (shared) {
          takers.push(taken);
          // Kept alive until it took the piece: its holder (a paused download) may wait on nothing else.
          this.piecesOut++;
          worker.ref();
        }
        worker.postMessage({ id, piece, answer: shared } satisfies HashRequest);
        if (!shared) taken();
      },
      digest: () => {
        worker.ref();
        const answer = new Promise<string>((resolve, reject) => this.waiting.set(id, { resolve, reject }));
        worker.postMessage({ id, end: true } satisfies HashRequest);
        return answer.finally(finish);
      },
      drop: () => {
        // The pieces it still holds are given back now: what it reads of them from here on goes
        // into a digest no one asks for.
        for (const taken of takers.splice(0)) taken();
        finish();
        worker.postMessage({ id, drop: true } satisfies HashRequest);
      },
    };
  }

  /** Writes `bytes`, a view of shared memory that must not change until this settles, into the open file `fd` at byte `at`. */
  writeShared(fd: number, bytes: Uint8Array, at: number): Promise<void> {
    const worker = (this.worker ??= this.start());
    const id = ++this.lastId;
    worker.ref();
    const answer = new Promise<string>((resolve, reject) => this.waiting.set(id, { resolve, reject }));
    worker.postMessage({ id, write: bytes, fd, at } satisfies HashRequest);
    return answer.then(() => undefined);
  }

  /** The digest of `bytes`, a view of shared memory, which must not change until it comes; with `store`, stored there if they are its digest. */
  hashShared(bytes: Uint8Array, store?: StoreIfDigest): Promise<string> {
    const worker = (this.worker ??= this.start());
    const id = ++this.lastId;
    this.hashing++;
    worker.ref();
    const answer = new Promise<string>((resolve, reject) => this.waiting.set(id, { resolve, reject }));
    worker.postMessage({ id, bytes, ...(store ? { store } : {}) } satisfies HashRequest);
    return answer.finally(() => this.hashing--);
  }

  private start(): Worker {
    const worker = new Worker(join(__dirname, 'file-hash-worker.js'), { resourceLimits: HELPER_THREAD_HEAP });
    worker.unref();
    worker.on('message', (answer: HashAnswer) => {
      if ('took' in answer) {
        this.piecesOut--;
        this.unrefWhenIdle(worker);
        return this.taking.get(answer.id)?.shift()?.();
      }
      const waiting = this.waiting.get(answer.id);
      this.waiting.delete(answer.id);
      this.unrefWhenIdle(worker);
      if ('wrote' in answer) return waiting?.resolve('');
      if ('digest' in answer) return waiting?.resolve(answer.digest);
      const error = new Error(answer.error);
      // The thread forgets the hash; one whose digest is not asked for yet fails when it is.
      worker.postMessage({ id: answer.id, drop: true } satisfies HashRequest);
      if (waiting) waiting.reject(error);
      else this.failures.set(answer.id, error);
    });
    // A thread that died fails what it held; the next file starts a new one.
    const fail = (error: Error) => {
      if (this.worker === worker) this.worker = undefined;
      this.piecesOut = 0;
      for (const waiting of this.waiting.values()) waiting.reject(error);
      this.waiting.clear();
      // Pieces it held are its no more: their memory may be used again.
      for (const takers of this.taking.values()) for (const taken of takers.splice(0)) taken();
    };
    worker.on('error', fail);
    worker.on('exit', (exitCode) => fail(new Error(`the ${this.role} exited (code ${exitCode}) before it finished`)));
    return worker;
  }

  /** Lets the process exit without the thread once nothing is awaited of it. */
  private unrefWhenIdle(worker: Worker): void {
    if (this.waiting.size === 0 && this.piecesOut === 0) worker.unref();
  }
}

/**
 * Bytes in memory below this size are hashed where they are, not on a hash thread: hashing 64 KiB
 * takes about 45 µs, and a message to the thread and its answer about 75 µs more (one at a time,
 * on a 2-CPU VM), so below it the thread saves the caller little or nothing.
 */
export const SHARED_HASH_FROM_BYTES = 64 * 1024;

/**
 * The hash threads of a process, each started when every one before it is busy, up to `max`.
 * A new file goes to an idle thread, else to a new one while there may be more, else to the
 * least busy.
 */
export class HashThreads {
  private readonly threads: HashThread[] = [];

  constructor(private readonly max: number) {}

  /** Starts hashing the file at `path` behind its writer, who tells it how far it has written. */
  hashBehind(path: string): FileHash {
    return this.next().hashOf(path);
  }

  /**
   * The digest of bytes in shared memory (a SharedArrayBuffer's), hashed on a hash thread where
   * they lie, not copied (they must not change until the digest comes); fewer than
   * SHARED_HASH_FROM_BYTES, here and now.
   */
  async hashShared(bytes: Uint8Array): Promise<string> {
    if (bytes.length < SHARED_HASH_FROM_BYTES) return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    if (!(bytes.buffer instanceof SharedArrayBuffer)) throw new TypeError('hashShared takes a view of shared memory');
    return this.next().hashShared(bytes);
  }

  /**
   * The digest of bytes in shared memory, hashed on a hash thread, which also stores them as
   * `store` says if they hash to its digest (else nothing is written): the caller's thread neither
   * hashes nor writes them.
   */
  async storeShared(bytes: Uint8Array, store: StoreIfDigest): Promise<string> {
    if (!(bytes.buffer instanceof SharedArrayBuffer)) throw new TypeError('storeShared takes a view of shared memory');
    return this.next().hashShared(bytes, store);
  }

  /** A digest fed piece by piece on a hash thread (FedHash). */
  fed(): FedHash {
    return this.next().fed();
  }

  /** How many threads have been started. */
  get started(): number {
    return this.threads.length;
  }

  private next(): HashThread {
    const idle = this.threads.find((thread) => thread.hashing === 0);
    if (idle) return idle;
    if (this.threads.length < this.max) {
      const started = new HashThread();
      this.threads.push(started);
      return started;
    }
    return this.threads.reduce((least, thread) => (thread.hashing < least.hashing ? thread : least));
  }
}

/**
 * The process's hash threads: one on a machine of 2 CPUs, where the main thread needs the other;
 * up to 4 where there are more. A pull of 1024 files of 1 MiB on 16 CPUs was bound by one hash
 * thread, busy all of its 1.4 s.
 */
const processThreads = new HashThreads(Math.max(1, Math.min(4, availableParallelism() - 1)));

/** Starts hashing the file at `path` behind its writer, on one of the process's hash threads. */
export function hashBehind(path: string): FileHash {
  return processThreads.hashBehind(path);
}

/** Bytes in shared memory hashed, and stored if they are the digest expected, on one of the process's hash threads (HashThreads.storeShared). */
export function storeShared(bytes: Uint8Array, store: StoreIfDigest): Promise<string> {
  return processThreads.storeShared(bytes, store);
}

/** The digest of bytes in shared memory, on one of the process's hash threads (HashThreads.hashShared). */
export function hashShared(bytes: Uint8Array): Promise<string> {
  return processThreads.hashShared(bytes);
}

/** A digest fed piece by piece on one of the process's hash threads (FedHash). */
export function fedHash(): FedHash {
  return processThreads.fed();
}

/** The process's write thread, started at its first write: a thread of its own, not a hash thread, so that bytes fed to a hash are written beside their hashing. */
const writeThread = new HashThread('write thread');

/**
 * Writes `bytes`, a view of shared memory that must not change until this settles, into the open
 * file `fd` at byte `at`, on the process's write thread. A file's writes run there one after the
 * other, in the order asked; the file must stay open until the last has settled.
 */
export function writeShared(fd: number, bytes: Uint8Array, at: number): Promise<void> {
  if (!(bytes.buffer instanceof SharedArrayBuffer)) throw new TypeError('writeShared takes a view of shared memory');
  return writeThread.writeShared(fd, bytes, at);
}
