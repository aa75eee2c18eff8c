import { createHash, type Hash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';

/**
 * The script of the hash thread (file-hash.ts starts it): it reads each file being written back
 * from the page cache, up to where its writer has written it, and hashes it there.
 */

/**
 * Read the file `path` up to byte `upTo` into digest `id`; with `last`, answer its digest. `drop`
 * abandons it. `bytes` (a view of shared memory: it is not copied) are hashed whole and answered.
 */
export type HashRequest = { id: number; path: string; upTo: number; last: boolean } | { id: number; drop: true } | { id: number; bytes: Uint8Array };

export type HashAnswer = { id: number; digest: string } | { id: number; path: string; error: string };

interface Hashing {
  fd: number;
  hash: Hash;
  at: number;
}

const READ_CHUNK = 1024 * 1024;
const buffer = Buffer.allocUnsafe(READ_CHUNK);
const hashing = new Map<number, Hashing>();
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

parentPort?.on('message', (request: HashRequest) => {
  if ('drop' in request) {
    failed.delete(request.id);
    return close(request.id);
  }
  if ('bytes' in request) {
    const digest = `sha256:${createHash('sha256').update(request.bytes).digest('hex')}`;
    return parentPort?.postMessage({ id: request.id, digest } satisfies HashAnswer);
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
    parentPort?.postMessage({ id, path, error: (error as Error).message } satisfies HashAnswer);
  }
});
