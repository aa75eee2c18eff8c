import { createHash, type Hash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import type { HashedFile } from './volume-cache';
import { pageAlignedBuffer } from '../../contract/page-aligned';

/** Big reads: hashing a model file in 64 KiB pieces spends more time in calls than in sha256. */
export const READ_CHUNK = 1024 * 1024;

/** Reads between turns of the event loop while hashing: about 10 ms of work. */
const READS_PER_TURN = 16;
/**
 * One buffer for every hash: each read is hashed before the next call can read, so lanes that
 * hash at once never see each other's bytes, and no buffer per read is left to collect.
 */
const hashBuffer = pageAlignedBuffer(READ_CHUNK);

/**
 * sha256 of a file, read in big synchronous pieces (a thread-pool round trip and a new buffer
 * per piece cost more than the read), with a turn of the event loop every few: a file of any size
 * never sits in memory whole, and other work goes on meanwhile.
 */
export async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  await hashFileStart(hash, path, Infinity);
  return `sha256:${hash.digest('hex')}`;
}

/** Adds the first `end` bytes of a file (all of it, if shorter) to `hash`, read as hashFile reads. */
export async function hashFileStart(hash: Hash, path: string, end: number): Promise<void> {
  const fd = openSync(path, 'r');
  try {
    for (let position = 0, reads = 1; position < end; reads++) {
      const length = readSync(fd, hashBuffer, 0, Math.min(READ_CHUNK, end - position), position);
      if (length === 0) break;
      position += length;
      hash.update(hashBuffer.subarray(0, length));
      if (reads % READS_PER_TURN === 0) await new Promise<void>((resolve) => setImmediate(resolve));
    }
  } finally {
    closeSync(fd);
  }
}

/** The digest the hash cache remembers for a file of this size and mtime, if any. */
export function cachedDigest(hashes: Record<string, HashedFile>, path: string, size: number, mtimeMs: number): string | undefined {
  const known = hashes[path];
  return known && known.size === size && known.mtimeMs === mtimeMs ? known.digest : undefined;
}
