import { EveraiError } from './errors';

/**
 * `POST .../blobs:upload` and `POST .../revisions/REV/files:download`: many small blobs in one
 * request, so that a push or a pull of many small files pays one request, not one each. The body
 * is each blob as a line `DIGEST SIZE\n` then its SIZE bytes. The receiver hashes every blob
 * itself; a digest here is only a name to check against.
 */

/**
 * Files up to this size go in batches; larger ones move one a request (an upload resumably). A
 * request per MiB file cost more in wake-ups between the CLI and the server than the transfer.
 */
export const BATCH_FILE_LIMIT = 4 * 1024 * 1024;
/** File bytes in one batch, and files in one batch. Both sides stream a batch, blob by blob. */
export const BATCH_BYTE_LIMIT = 8 * 1024 * 1024;
export const BATCH_FILE_COUNT_LIMIT = 1000;
/** The largest body a batch may be: its bytes and, at most, a line of 128 bytes a file. */
export const BATCH_BODY_LIMIT = BATCH_BYTE_LIMIT + BATCH_FILE_COUNT_LIMIT * 128;

export interface BatchedBlob {
  digest: string;
  bytes: Buffer;
}

/** The line before a blob's bytes. */
export function blobBatchLine(digest: string, size: number): Buffer {
  return Buffer.from(`${digest} ${size}\n`);
}

/** The body of a batch, as pieces to send one after another. */
export function encodeBlobBatch(blobs: readonly BatchedBlob[]): Buffer[] {
  return blobs.flatMap(({ digest, bytes }) => [blobBatchLine(digest, bytes.length), bytes]);
}

/** What a streamed batch is told, blob by blob, as its pieces arrive. */
export interface BlobBatchSink {
  start(digest: string, size: number): void;
  /** A piece of the current blob's bytes: a view into what arrived, valid only during the call. */
  bytes(piece: Buffer): void;
  end(): void;
}

/**
 * Reads a batch as it streams in, never holding more of it than a line: each blob's bytes go to
 * `sink` as they arrive. A body that stops inside a blob or a line is malformed.
 */
export async function readBlobBatch(body: AsyncIterable<Buffer>, sink: BlobBatchSink): Promise<number> {
  let line = Buffer.alloc(0);
  let left = -1; // bytes of the current blob still to come; -1 between blobs
  let count = 0;
  for await (const chunk of body) {
    for (let at = 0; at < chunk.length; ) {
      if (left < 0) {
        const newline = chunk.indexOf(0x0a, at);
        const end = newline < 0 ? chunk.length : newline;
        line = Buffer.concat([line, chunk.subarray(at, end)]);
        if (line.length > 128) throw malformed(`no line 'DIGEST SIZE' before blob ${count + 1}`);
        at = end;
        if (newline < 0) continue;
        at++;
        const [digest = '', sizeText = ''] = line.toString('latin1').split(' ');
        if (!/^\d+$/.test(sizeText) || !Number.isSafeInteger(Number(sizeText))) throw malformed(`'${sizeText}' is not a size, at blob ${count + 1}`);
        line = Buffer.alloc(0);
        left = Number(sizeText);
        count++;
        sink.start(digest, left);
      }
      const take = Math.min(left, chunk.length - at);
      if (take > 0) sink.bytes(chunk.subarray(at, at + take));
      at += take;
      left -= take;
      if (left === 0) {
        sink.end();
        left = -1;
      }
    }
  }
  if (left >= 0 || line.length > 0) throw malformed(`the body ends inside blob ${count}`);
  return count;
}

function malformed(why: string): EveraiError {
  return new EveraiError('EVERAI_BAD_REQUEST', `malformed blob batch: ${why}`);
}
