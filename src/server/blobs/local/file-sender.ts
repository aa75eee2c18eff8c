import { promises as fs } from 'node:fs';
import type { Writable } from 'node:stream';
import { readFiles } from './file-thread';
import type { FileSpan } from './file-worker';
import { pageAlignedBuffer } from '../../../contract/page-aligned';

/** Each read of a file being sent: big, since a thread-pool round trip per 64 KiB cost more than the bytes. */
const PIECE = 1024 * 1024;
/** Pieces of one send read but not yet taken by the connection: enough to keep a fast socket busy. */
const IN_FLIGHT = 4;
/** Free buffers kept between sends, shared by every send of the process. */
const KEPT = 16;
/**
 * The most bytes one write of `sendParts` holds: its small parts, read together on the file
 * thread. A file larger than this goes alone, piece by piece (sendFileRange). With a 1 MiB file
 * and its line in one, a pull's files of 1 MiB each cost one message to the thread.
 */
const GROUP = 2 * 1024 * 1024;
/** Groups of one send written but not yet taken by the connection: the next is read meanwhile, so a send holds two buffers. */
const GROUPS_IN_FLIGHT = 1;
/** Free group buffers (shared memory, which the file thread reads into) kept between sends. */
const KEPT_GROUPS = 8;

const free: Buffer[] = [];
const freeGroups: Buffer[] = [];

/**
 * Writes to an HTTP response, at most a few at a time waiting on the connection, each buffer given
 * back once the connection took its bytes. A write's callback never comes once the connection is
 * gone (node:http drops the write): its close ends any wait, also a close that came before the
 * send began (while a file opened). A buffer whose write failed, or never ended, is left to the
 * collector: it may still be under way in the socket.
 */
class PacedWrites {
  private pending = 0;
  private closed: boolean;
  private failed: Error | undefined;
  private wake: (() => void) | undefined;
  private readonly onClose = () => {
    this.closed = true;
    this.settle();
  };

  constructor(private readonly target: Writable) {
    target.once('close', this.onClose);
    this.closed = target.destroyed;
  }

  /** Waits until fewer than `limit` writes wait on the connection; throws once it closed or a write failed. */
  async room(limit: number, what: () => string): Promise<void> {
    await this.until(() => this.pending < limit);
    if (this.closed) throw new Error(`the connection closed at ${what()}`);
  }

  /** Writes `bytes`; `taken` runs once the connection took them (not after a failure). */
  write(bytes: Uint8Array, taken: () => void): void {
    this.pending++;
    this.target.write(bytes, (error) => {
      this.pending--;
      if (error) this.failed ??= error;
      else taken();
      this.settle();
    });
  }

  /** Waits until the connection took every write, or closed (then whatever is left was never needed: see sendFileRange). */
  async drained(): Promise<void> {
    await this.until(() => this.pending === 0);
  }

  /** Stops listening on the connection. */
  end(): void {
    this.target.off('close', this.onClose);
  }

  private async until(done: () => boolean): Promise<void> {
    while (!done() && !this.closed && this.failed === undefined) await new Promise<void>((resolve) => (this.wake = resolve));
    if (this.failed) throw this.failed;
  }

  private settle(): void {
    const resume = this.wake;
    this.wake = undefined;
    resume?.();
  }
}

/**
 * Writes bytes `start` to `end` (inclusive) of the file at `path` to `target` (an HTTP response),
 * without ending it; resolves with their count once the connection took them, or closed after the
 * last was written (a client that has them all may close first). The reads go to the thread pool
 * (this process also runs the gateway: a read the disk makes wait must not stall it) into buffers
 * that come back once the socket took their bytes. A new buffer per read, as a read stream makes,
 * left the garbage collector a gigabyte per gigabyte pulled: half the server's CPU in a pull of
 * 1 GiB (cpu-prof). Rejects when the file ends early, a write fails or the connection closes first.
 */
export async function sendFileRange(path: string, start: number, end: number, target: Writable): Promise<number> {
  const writes = new PacedWrites(target);
  try {
    const sent = await sendRange(path, start, end, writes);
    await writes.drained();
    return sent;
  } finally {
    writes.end();
  }
}

/** sendFileRange's reads and writes, through writes that the caller waits to drain. */
async function sendRange(path: string, start: number, end: number, writes: PacedWrites): Promise<number> {
  const file = await fs.open(path, 'r');
  try {
    let position = start;
    while (position <= end) {
      await writes.room(IN_FLIGHT, () => `byte ${position} of ${path}`);
      const buffer = free.pop() ?? pageAlignedBuffer(PIECE);
      const { bytesRead } = await file.read(buffer, 0, Math.min(PIECE, end + 1 - position), position);
      if (bytesRead === 0) {
        free.push(buffer);
        throw new Error(`${path} ended at byte ${position}, before ${end + 1}`);
      }
      writes.write(buffer.subarray(0, bytesRead), () => {
        if (free.length < KEPT) free.push(buffer);
      });
      position += bytesRead;
    }
    return position - start;
  } finally {
    await file.close();
  }
}

/** A whole file's bytes, in sendParts. */
export interface FilePart {
  path: string;
  size: number;
}

/**
 * Writes `parts` to `target` one after another, a Buffer as it is and a file's whole bytes,
 * without ending it; resolves with the count once the connection took them all. Small parts go
 * together, up to GROUP bytes to a write, their files read into shared memory on the file thread
 * in one message (the next group is read while one goes out): a batched download of small files
 * had cost the server an open, a read and a close through the thread pool per file, and a wait for
 * the connection to take each file before the next: 1.7 s of its CPU for 10,000 small files.
 */
export async function sendParts(parts: readonly (Buffer | FilePart)[], target: Writable): Promise<number> {
  const writes = new PacedWrites(target);
  let group: (Buffer | FilePart)[] = [];
  let grouped = 0;
  let sent = 0;
  const flush = async () => {
    if (group.length > 0) await sendGroup(group, grouped, writes);
    group = [];
    grouped = 0;
  };
  try {
    for (const part of parts) {
      const size = Buffer.isBuffer(part) ? part.length : part.size;
      sent += size;
      if (grouped + size > GROUP) await flush();
      if (size <= GROUP) {
        group.push(part);
        grouped += size;
      } else if (Buffer.isBuffer(part)) {
        await writes.room(GROUPS_IN_FLIGHT, () => `a part of ${size} bytes`);
        writes.write(part, () => undefined);
      } else await sendRange(part.path, 0, size - 1, writes);
    }
    await flush();
    await writes.drained();
    return sent;
  } finally {
    writes.end();
  }
}

/** Writes `parts` (`size` bytes in all, at most GROUP) in one write, their files read on the file thread. */
async function sendGroup(parts: readonly (Buffer | FilePart)[], size: number, writes: PacedWrites): Promise<void> {
  const buffer = freeGroups.pop() ?? pageAlignedBuffer(GROUP, true);
  const files: FileSpan[] = [];
  let at = 0;
  for (const part of parts) {
    if (Buffer.isBuffer(part)) buffer.set(part, at);
    else files.push({ path: part.path, size: part.size, at });
    at += Buffer.isBuffer(part) ? part.length : part.size;
  }
  const giveBack = () => {
    if (freeGroups.length < KEPT_GROUPS) freeGroups.push(buffer);
  };
  try {
    await readFiles(files, buffer);
    await writes.room(GROUPS_IN_FLIGHT, () => `a group of ${parts.length} parts`);
  } catch (error) {
    // Nothing was written from it: the next group may have it.
    giveBack();
    throw error;
  }
  writes.write(buffer.subarray(0, size), giveBack);
}
