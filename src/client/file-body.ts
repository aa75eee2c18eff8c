import { closeSync, openSync, readSync } from 'node:fs';
import type { ClientRequest } from 'node:http';
import { BufferPool } from '../contract/buffer-pool';

/** Upload read buffers, shared by the uploads of a command. */
const readBuffers = new BufferPool();

/**
 * Writes bytes `start` to `size` of a file to `req` and ends it, counting them as they go, in big
 * synchronous reads (a thread-pool round trip per read cost more than the read) into buffers that
 * come back once the socket took them. `onBytes` sees each piece before it goes (a push hashes
 * it there: each byte is read once). A file that shrank since it was listed fails the upload.
 */
export async function sendFileBytes(req: ClientRequest, path: string, start: number, size: number, onBytes: (bytes: number, piece: Buffer) => void): Promise<void> {
  let closed = false;
  req.once('close', () => (closed = true));
  const fd = openSync(path, 'r');
  try {
    for (let position = start; position < size; ) {
      const buffer = await readBuffers.take();
      // A request that failed (its error rejects the exchange) takes no more bytes.
      if (closed) {
        readBuffers.give(buffer);
        return;
      }
      const length = readSync(fd, buffer, 0, Math.min(buffer.length, size - position), position);
      if (length === 0) {
        readBuffers.give(buffer);
        throw new Error(`the file ended at byte ${position} of ${size}`);
      }
      position += length;
      const piece = buffer.subarray(0, length);
      onBytes(length, piece);
      req.write(piece, () => readBuffers.give(buffer));
    }
  } finally {
    closeSync(fd);
  }
  req.end();
}

