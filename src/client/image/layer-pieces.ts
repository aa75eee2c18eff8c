import { closeSync, openSync, readSync } from 'node:fs';
import type { ClientRequest } from 'node:http';
import { Writable } from 'node:stream';
import { EveraiError } from '../../contract/errors';
import { writeAll } from '../../contract/write-all';
import type { PieceBuffers } from '../../contract/piece-buffers';

/** Each read of a file going into a layer: big, since a call per 64 KiB cost more than the bytes. */
export const FILE_PIECE = 1024 * 1024;

/** What a tar entry's sink (tar-stream's, a streamx Writable) is used as here. */
interface EntrySink {
  write(piece: Buffer): boolean;
  end(data?: unknown): unknown;
  once(event: 'drain' | 'error', listener: (error?: Error) => void): unknown;
  off(event: 'drain' | 'error', listener: (error?: Error) => void): unknown;
}

/** Until `sink` takes more, or fails. */
function drained(sink: EntrySink): Promise<void> {
  return new Promise((resolve, reject) => {
    const onDrain = () => {
      sink.off('error', onError);
      resolve();
    };
    const onError = (error?: Error) => {
      sink.off('drain', onDrain);
      reject(error ?? new Error('the layer stopped'));
    };
    sink.once('drain', onDrain);
    sink.once('error', onError);
  });
}

/** A file that changed while it was packed: the user's to say once, as a line, not a bug's stack. */
function changedMeanwhile(what: string): EveraiError {
  return new EveraiError('EVERAI_CONFLICT', `${what}: it changed while the layer was packed; build again once it is written`);
}

/**
 * Writes a file's `size` bytes to a tar entry's `sink` in pieces of `buffers`, waiting while the
 * tar is full. A file that is no longer `size` bytes long fails, as the tar would be broken.
 */
export async function writeFilePieces(sink: EntrySink, source: string, size: number, buffers: PieceBuffers): Promise<void> {
  const fd = openSync(source, 'r');
  try {
    for (let position = 0; position < size; ) {
      const buffer = buffers.take();
      const length = readSync(fd, buffer, 0, Math.min(buffer.length, size - position), position);
      if (length === 0) throw changedMeanwhile(`${source} ended at byte ${position} of the ${size} it was listed with`);
      position += length;
      if (!sink.write(buffer.subarray(0, length))) await drained(sink);
    }
    if (readSync(fd, Buffer.alloc(1), 0, 1, size) > 0) throw changedMeanwhile(`${source} grew past the ${size} bytes it was listed with`);
  } finally {
    closeSync(fd);
  }
  sink.end();
}

/**
 * The layer's file, written synchronously (a write costs microseconds against the page cache,
 * where a stream's thread-pool round trip cost more), giving each piece's buffer back after.
 */
export function layerFileSink(fd: number, buffers: PieceBuffers): Writable {
  return new Writable({
    write(piece: Buffer, _encoding, done) {
      try {
        writeAll(fd, piece);
      } catch (error) {
        done(error as Error);
        return;
      }
      buffers.give(piece);
      done();
    },
  });
}

/** Pieces of a layer written to an upload's socket and not yet taken by it, at most. */
const PIECES_IN_FLIGHT = 8;

/**
 * An upload's request body as a layer's sink: each piece is written to `req` (a chunked body), and
 * its buffer comes back once the socket took it. Up to PIECES_IN_FLIGHT pieces wait for the
 * socket, so that the tar reads ahead while the registry takes what was sent, and no more, so
 * that at most 8 MiB of the layer are in memory whatever the link's speed. Ending the sink ends
 * the request.
 */
export function layerRequestSink(req: ClientRequest, buffers: PieceBuffers): Writable {
  let inFlight = 0;
  let blocked: ((error?: Error | null) => void) | undefined;
  return new Writable({
    write(piece: Buffer, _encoding, done) {
      inFlight++;
      req.write(piece, (error) => {
        inFlight--;
        buffers.give(piece);
        const resume = blocked;
        blocked = undefined;
        resume?.(error);
      });
      if (inFlight < PIECES_IN_FLIGHT) done();
      else blocked = done;
    },
    final(done) {
      req.end(done);
    },
  });
}
