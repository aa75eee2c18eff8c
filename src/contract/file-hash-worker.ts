import { createHash, type Hash } from 'node:crypto';
import { closeSync, openSync, readSync, rmSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { renameIntoPlace } from './rename-into-place';
import { writeAll } from './write-all';
import { pageAlignedBuffer } from './page-aligned';

/**
 * The script of the hash thread (file-hash.ts starts it): it reads each file being written back
 * from the page cache, up to where its writer has written it, and hashes it there; and it hashes
 * bytes in shared memory, writing them to a file when asked and only if they are the digest
 * expected. The write thread runs it too, to write bytes in shared memory to a file as they are.
 * Its writes block this thread alone: the page cache's pace (a kernel that throttles a writer
 * with many unflushed pages) never stalls the caller's event loop.
 */

/**
 * Where bytes hashed here go if they hash to `digest`: written to the new file `temp` (made with
 * `mode`), which is then renamed to `target`.
 */
export interface StoreIfDigest {
  digest: string;
  temp: string;
  target: string;
  mode: number;
}

/**
 * Read the file `path` up to byte `upTo` into digest `id`; with `last`, answer its digest. `drop`
 * abandons it. `bytes` (a view of shared memory: it is not copied) are hashed whole and answered,
 * and with `store`, stored there if they are its digest. `piece` goes next into digest `id`,
 * answered with `took` once hashed when `answer` says so (a view of shared memory, which its
 * sender must not change until then); `end` answers that digest. `write` (a view of shared
 * memory, as a piece) goes into the open file `fd` at byte `at`, answered with `wrote`.
 */
export type HashRequest =
  | { id: number; path: string; upTo: number; last: boolean }
  | { id: number; drop: true }
  | { id: number; bytes: Uint8Array; store?: StoreIfDigest }
  | { id: number; piece: Uint8Array; answer: boolean }
  | { id: number; end: true }
  | { id: number; write: Uint8Array; fd: number; at: number };

/** A digest, or why there is none (the whole message); or that a piece of digest `id` is hashed, or request `id` written. */
export type HashAnswer = { id: number; digest: string } | { id: number; error: string } | { id: number; took: true } | { id: number; wrote: true };

interface Hashing {
  fd: number;
  hash: Hash;
  at: number;
}

const READ_CHUNK = 1024 * 1024;
const buffer = pageAlignedBuffer(READ_CHUNK);
const hashing = new Map<number, Hashing>();
/** Digests fed piece by piece. */
const fed = new Map<number, Hash>();
/** Digests that failed: what was sent for them before the main thread heard it is ignored, until it drops them. */
const failed = new Set<number>();

function close(id: number): void {
  const state = hashing.get(id);
  hashing.delete(id);
  if (state) closeSync(state.fd);
}

function advance(state: Hashing, path: string, upTo: number): void {
  while (state.at < upTo) {
    const length = readSync(state.fd, buffer, 0, Math.min(READ_CHUNK, upTo - state.at), state.at);
    if (length === 0) throw new Error(`${path} ends at byte ${state.at}, before the ${upTo} written to it`);
    state.hash.update(buffer.subarray(0, length));
    state.at += length;
  }
}

/** Writes `bytes` to `store.temp` and renames it to `store.target`; a failed write leaves no temp file. */
function storeBytes(bytes: Uint8Array, store: StoreIfDigest): void {
  try {
    const fd = openSync(store.temp, 'wx', store.mode);
    try {
      writeAll(fd, bytes);
    } finally {
      closeSync(fd);
    }
    renameIntoPlace(store.temp, store.target);
  } catch (error) {
    rmSync(store.temp, { force: true });
    throw error;
  }
}

parentPort?.on('message', (request: HashRequest) => {
  if ('write' in request) {
    const { id, write, fd, at } = request;
    try {
      writeAll(fd, write, at);
      return parentPort?.postMessage({ id, wrote: true } satisfies HashAnswer);
    } catch (error) {
      return parentPort?.postMessage({ id, error: `writing failed: ${(error as Error).message}` } satisfies HashAnswer);
    }
  }
  if ('drop' in request) {
    failed.delete(request.id);
    fed.delete(request.id);
    return close(request.id);
  }
  if ('piece' in request) {
    const { id, piece, answer } = request;
    let hash = fed.get(id);
    if (!hash) fed.set(id, (hash = createHash('sha256')));
    hash.update(piece);
    if (answer) parentPort?.postMessage({ id, took: true } satisfies HashAnswer);
    return;
  }
  if ('end' in request) {
    const digest = `sha256:${(fed.get(request.id) ?? createHash('sha256')).digest('hex')}`;
    fed.delete(request.id);
    return parentPort?.postMessage({ id: request.id, digest } satisfies HashAnswer);
  }
  if ('bytes' in request) {
    const { id, bytes, store } = request;
    const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    try {
      if (store?.digest === digest) storeBytes(bytes, store);
      return parentPort?.postMessage({ id, digest } satisfies HashAnswer);
    } catch (error) {
      return parentPort?.postMessage({ id, error: `writing ${store?.target} failed: ${(error as Error).message}` } satisfies HashAnswer);
    }
  }
  const { id, path, upTo, last } = request;
  if (failed.has(id)) return;
  try {
    let state = hashing.get(id);
    if (!state) hashing.set(id, (state = { fd: openSync(path, 'r'), hash: createHash('sha256'), at: 0 }));
    advance(state, path, upTo);
    if (!last) return;
    const digest = `sha256:${state.hash.digest('hex')}`;
    close(id);
    parentPort?.postMessage({ id, digest } satisfies HashAnswer);
  } catch (error) {
    close(id);
    failed.add(id);
    parentPort?.postMessage({ id, error: `hashing ${path} failed: ${(error as Error).message}` } satisfies HashAnswer);
  }
});
