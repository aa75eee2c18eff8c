import { writeSync } from 'node:fs';

/**
 * Writes all of `bytes` to `fd` at its current position, synchronously (a write may take less
 * than it was given). Transfers write each piece this way: a few microseconds against the page
 * cache, where an asynchronous write's thread-pool round trip cost ten times that in CPU.
 */
export function writeAll(fd: number, bytes: Uint8Array): void {
  for (let written = 0; written < bytes.length; ) written += writeSync(fd, bytes, written);
}
