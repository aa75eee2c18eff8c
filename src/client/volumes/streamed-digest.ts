import { createHash } from 'node:crypto';
import { HASH_THREAD_FROM_BYTES, hashBehind } from '../../contract/file-hash';
import { hashFileStart } from './file-digest';

/**
 * The digest of a file whose bytes pass through this thread in order, as they are sent: `passed`
 * after each piece (with the piece, and the bytes of the file passed so far), `digest` once all
 * have, `drop` if the transfer broke off. `readStart` first hashes the file's first bytes, which
 * do not pass (an upload resumed after them).
 */
export interface StreamedDigest {
  readStart(bytes: number): Promise<void>;
  passed(piece: Buffer, total: number): void;
  digest(): Promise<string>;
  drop(): void;
}

/**
 * Files uploaded of at least this size are hashed on the hash thread, smaller ones inline: for the
 * many small files of a batch, a message to the thread and a read back each cost more than hashing
 * them where they pass (A/B, 1024 files of 1 MiB: the push took 2.7-3.4 s with the thread, 2.5-2.7
 * s without).
 */
export const UPLOAD_THREAD_FROM_BYTES = HASH_THREAD_FROM_BYTES;

/**
 * The digest of the file at `path`. Inline, each piece is hashed as it passes. `threaded`, the
 * hash thread (contract/file-hash.ts) reads the file behind the transfer instead: sending a GiB
 * cost the CLI about 0.6 s of CPU and hashing it as much again, so a transfer is then bound by the
 * slower of the two, not by their sum.
 */
export function streamedDigest(path: string, threaded: boolean): StreamedDigest {
  if (threaded) {
    const hash = hashBehind(path);
    return {
      readStart: (bytes) => Promise.resolve(hash.written(bytes)),
      passed: (_piece, total) => hash.written(total),
      digest: () => hash.digest(),
      drop: () => hash.drop(),
    };
  }
  const hash = createHash('sha256');
  return {
    readStart: (bytes) => hashFileStart(hash, path, bytes),
    passed: (piece) => void hash.update(piece),
    digest: () => Promise.resolve(`sha256:${hash.digest('hex')}`),
    drop: () => undefined,
  };
}
