import { writeSync } from 'node:fs';

/**
 * The most one write call puts in the page cache. The kernel (Linux 6.x, ext4) sizes a file's
 * page-cache folios by the write, and on a 2-CPU VM (kernel 6.18) filling large ones cost ten
 * times more per byte: 1 GiB written in 1 MiB calls took 1.8-2.0 s of system time, in 256 KiB
 * calls 0.14-0.15 s, in 64 KiB calls 0.18-0.20 s. A push of 1024 files of 1 MiB, each written by
 * the server in one call, spent 1.5-2.0 s of its CPU in those writes; in calls of this size, 0.5 s.
 * (An upload's stream, written as it arrives at offsets that rarely line up with large folios,
 * showed no such cost.)
 */
export const WRITE_CALL_BYTES = 256 * 1024;

/**
 * Writes all of `bytes` to `fd` at `position` (by default, its current position), synchronously,
 * in calls of at most WRITE_CALL_BYTES (a write may also take less than it was given). Transfers
 * write each piece this way: a few microseconds against the page cache, where an asynchronous
 * write's thread-pool round trip cost ten times that in CPU.
 */
export function writeAll(fd: number, bytes: Uint8Array, position?: number): void {
  for (let written = 0; written < bytes.length; ) {
    const at = position === undefined ? null : position + written;
    written += writeSync(fd, bytes, written, Math.min(WRITE_CALL_BYTES, bytes.length - written), at);
  }
}
