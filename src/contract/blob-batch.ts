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
 * Reads a batch piece by piece as it streams in, never holding more of it than a line: each
 * blob's bytes go to `sink` as they arrive. A body that stops inside a blob or a line is
 * malformed. Synchronous, so that a reader fed from 'data' events costs no promise per piece.
 */
export class BlobBatchReader {
  private line = Buffer.alloc(0);
  /** Bytes of the current blob still to come; -1 between blobs. */
  private left = -1;
  private count = 0;

  constructor(private readonly sink: BlobBatchSink) {}

  push(chunk: Buffer): void {
    for (let at = 0; at < chunk.length; ) {
      if (this.left < 0) {
        const newline = chunk.indexOf(0x0a, at);
        const end = newline < 0 ? chunk.length : newline;
        this.line = Buffer.concat([this.line, chunk.subarray(at, end)]);
        if (this.line.length > 128) throw malformed(`no line 'DIGEST SIZE' before blob ${this.count + 1}`);
        at = end;
        if (newline < 0) continue;
        at++;
        const [digest = '', sizeText = ''] = this.line.toString('latin1').split(' ');
        if (!/^\d+$/.test(sizeText) || !Number.isSafeInteger(Number(sizeText))) throw malformed(`'${sizeText}' is not a size, at blob ${this.count + 1}`);
        this.line = Buffer.alloc(0);
        this.left = Number(sizeText);
        this.count++;
        this.sink.start(digest, this.left);
      }
      const take = Math.min(this.left, chunk.length - at);
      if (take > 0) this.sink.bytes(chunk.subarray(at, at + take));
      at += take;
      this.left -= take;
      if (this.left === 0) {
        this.sink.end();
        this.left = -1;
      }
    }
  }

  /** The body is over: how many blobs it held. */
  end(): number {
    if (this.left >= 0 || this.line.length > 0) throw malformed(`the body ends inside blob ${this.count}`);
    return this.count;
  }
}

/** Reads a whole streamed batch (BlobBatchReader); returns how many blobs it held. */
export async function readBlobBatch(body: AsyncIterable<Buffer>, sink: BlobBatchSink): Promise<number> {
  const reader = new BlobBatchReader(sink);
  for await (const chunk of body) reader.push(chunk);
  return reader.end();
}

function malformed(why: string): EveraiError {
  return new EveraiError('EVERAI_BAD_REQUEST', `malformed blob batch: ${why}`);
}
