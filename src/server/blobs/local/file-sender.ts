import { promises as fs } from 'node:fs';
import type { Writable } from 'node:stream';

/** Each read of a file being sent: big, since a thread-pool round trip per 64 KiB cost more than the bytes. */
const PIECE = 1024 * 1024;
/** Pieces of one send read but not yet taken by the connection: enough to keep a fast socket busy. */
const IN_FLIGHT = 4;
/** Free buffers kept between sends, shared by every send of the process. */
const KEPT = 16;

const free: Buffer[] = [];

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
  const file = await fs.open(path, 'r');
  let pending = 0;
  let closed = false;
  let failed: Error | undefined;
  let wake: (() => void) | undefined;
  const settle = () => {
    const resume = wake;
    wake = undefined;
    resume?.();
  };
  // A write's callback never comes once the connection is gone (node:http drops the write): its
  // close ends any wait, also a close that came before this send began (while the file opened).
  const onClose = () => {
    closed = true;
    settle();
  };
  target.once('close', onClose);
  closed = target.destroyed;
  const until = async (done: () => boolean) => {
    while (!done() && !closed && failed === undefined) await new Promise<void>((resolve) => (wake = resolve));
    if (failed) throw failed;
  };
  try {
    let position = start;
    while (position <= end) {
      await until(() => pending < IN_FLIGHT);
      if (closed) throw new Error(`the connection closed at byte ${position} of ${path}`);
      const buffer = free.pop() ?? Buffer.allocUnsafeSlow(PIECE);
      const { bytesRead } = await file.read(buffer, 0, Math.min(PIECE, end + 1 - position), position);
      if (bytesRead === 0) {
        free.push(buffer);
        throw new Error(`${path} ended at byte ${position}, before ${end + 1}`);
      }
      pending++;
      target.write(buffer.subarray(0, bytesRead), (error) => {
        pending--;
        // A write that failed may still be under way in the socket: its buffer is left to the collector.
        if (error) failed ??= error;
        else if (free.length < KEPT) free.push(buffer);
        settle();
      });
      position += bytesRead;
    }
    await until(() => pending === 0);
    return position - start;
  } finally {
    target.off('close', onClose);
    await file.close();
  }
}
