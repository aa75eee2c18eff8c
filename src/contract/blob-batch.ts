import { EveraiError } from './errors';

/**
 * `POST .../blobs:upload`: many small blobs in one request, so that a push of many small files
 * pays one request, not one each. The body is each blob as a line `DIGEST SIZE\n` then its SIZE
 * bytes. The server hashes every blob itself; a digest here is only a name to check against.
 */

/** Files up to this size go in batches; larger ones are uploaded one a request, resumably. */
export const BATCH_FILE_LIMIT = 64 * 1024;
/** File bytes in one batch, and files in one batch. */
export const BATCH_BYTE_LIMIT = 4 * 1024 * 1024;
export const BATCH_FILE_COUNT_LIMIT = 1000;
/** The largest body a batch may be: its bytes and, at most, a line of 128 bytes a file. */
export const BATCH_BODY_LIMIT = BATCH_BYTE_LIMIT + BATCH_FILE_COUNT_LIMIT * 128;

export interface BatchedBlob {
  digest: string;
  bytes: Buffer;
}

/** The body of a batch, as pieces to send one after another. */
export function encodeBlobBatch(blobs: readonly BatchedBlob[]): Buffer[] {
  return blobs.flatMap(({ digest, bytes }) => [Buffer.from(`${digest} ${bytes.length}\n`), bytes]);
}

function malformed(why: string): EveraiError {
  return new EveraiError('EVERAI_BAD_REQUEST', `malformed blob batch: ${why}`);
}

/** The blobs of a batch's body; their bytes are views into `body`, not copies. */
export function decodeBlobBatch(body: Buffer): BatchedBlob[] {
  const blobs: BatchedBlob[] = [];
  for (let at = 0; at < body.length; ) {
    const newline = body.indexOf(0x0a, at);
    if (newline < 0 || newline - at > 128) throw malformed(`no line 'DIGEST SIZE' at byte ${at}`);
    const [digest = '', sizeText = ''] = body.toString('latin1', at, newline).split(' ');
    const size = Number(sizeText);
    if (!/^\d+$/.test(sizeText) || !Number.isSafeInteger(size)) throw malformed(`'${sizeText}' is not a size, at byte ${at}`);
    const end = newline + 1 + size;
    if (end > body.length) throw malformed(`${digest} says ${size} bytes, and the body ends before them`);
    blobs.push({ digest, bytes: body.subarray(newline + 1, end) });
    at = end;
  }
  if (blobs.length > BATCH_FILE_COUNT_LIMIT) throw malformed(`${blobs.length} blobs, over ${BATCH_FILE_COUNT_LIMIT}`);
  return blobs;
}
