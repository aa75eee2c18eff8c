import { BATCH_BODY_LIMIT, BATCH_FILE_COUNT_LIMIT, readBlobBatch } from '../../contract/blob-batch';
import { EveraiError } from '../../contract/errors';
import type { BlobStore } from '../blobs/blob-store';
import { parseDigest } from '../blobs/digest';

/**
 * Stores the blobs of a batch (contract/blob-batch.ts) as it streams in: each is gathered as the
 * pieces it arrived in, then written from them (writeBytes hashes it and refuses it unless it
 * matches its digest) while the next arrives. The pieces are views of the body's chunks, which a
 * request's body never reuses, so they may be kept past the reader's call. The first refusal
 * stops the batch; the blobs before it stay stored, and `onStored` heard of each. At most two
 * blobs wait for the disk at a time.
 */
export async function storeBlobBatch(blobs: BlobStore, body: AsyncIterable<Buffer>, onStored: (digest: string, size: number) => void): Promise<void> {
  let current: { digest: string; pieces: Buffer[] } | undefined;
  let count = 0;
  // Writes go one after another, in the batch's order, while the body goes on arriving.
  let writing = Promise.resolve();
  let waiting = 0;
  let failure: { error: unknown } | undefined;
  // A disk slower than the socket: the body waits, rather than whole blobs piling up in memory.
  async function* paced(): AsyncGenerator<Buffer> {
    for await (const chunk of body) {
      if (waiting > 1) await writing;
      yield chunk;
    }
  }
  try {
    await readBlobBatch(paced(), {
      start: (digest, size) => {
        if (failure) throw failure.error;
        parseDigest(digest);
        if (++count > BATCH_FILE_COUNT_LIMIT) throw new EveraiError('EVERAI_BAD_REQUEST', `malformed blob batch: over ${BATCH_FILE_COUNT_LIMIT} blobs`);
        if (size > BATCH_BODY_LIMIT) throw new EveraiError('EVERAI_BODY_TOO_LARGE', `a batch's blob of ${size} bytes is over ${BATCH_BODY_LIMIT}`);
        current = { digest, pieces: [] };
      },
      bytes: (piece) => {
        current?.pieces.push(piece);
      },
      end: () => {
        const { digest, pieces } = current as { digest: string; pieces: Buffer[] };
        current = undefined;
        waiting++;
        writing = writing.then(async () => {
          try {
            if (!failure) {
              onStored(digest, (await blobs.writeBytes(pieces, digest)).size);
            }
          } catch (error) {
            failure = { error };
          } finally {
            waiting--;
          }
        });
      },
    });
  } finally {
    await writing;
  }
  if (failure) throw failure.error;
}
