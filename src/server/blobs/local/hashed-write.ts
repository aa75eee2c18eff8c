import type { Hash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { addAbortSignal, type Readable } from 'node:stream';

/**
 * Bytes gathered before each write: they arrive from a socket in pieces of about 64 KiB, and a
 * write per piece spends more CPU in calls (and thread-pool hand-offs) than in copying bytes.
 */
const WRITE_BATCH = 4 * 1024 * 1024;

/**
 * Appends `body` to `file`, hashing each byte as it passes, so that a blob is read from the socket
 * and written once, never read back. One batch is written while the next arrives. Returns the
 * bytes written; on failure, what was written before it stays in the file.
 */
export async function writeHashed(body: Readable, file: FileHandle, hash: Hash, signal?: AbortSignal): Promise<number> {
  if (signal) addAbortSignal(signal, body);
  let batch: Buffer[] = [];
  let batched = 0;
  let size = 0;
  // The write in flight; its error is kept, not left unhandled while the next batch arrives.
  let writing = Promise.resolve();
  let failure: { error: unknown } | undefined;
  const flush = async () => {
    await writing;
    if (failure) throw failure.error;
    const chunks = batch;
    batch = [];
    batched = 0;
    writing = file.writev(chunks).then(
      () => undefined,
      (error: unknown) => void (failure = { error }),
    );
  };
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      hash.update(chunk);
      size += chunk.length;
      batch.push(chunk);
      batched += chunk.length;
      if (batched >= WRITE_BATCH) await flush();
    }
    if (batched > 0) await flush();
  } finally {
    // Also when the body broke off: the file is closed only after its last write settled.
    await writing;
  }
  if (failure) throw failure.error;
  return size;
}
