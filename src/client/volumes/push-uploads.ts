import { closeSync, fstatSync, openSync, promises as fs, readSync } from 'node:fs';
import type { ApiClient } from '../api-client';
import { BATCH_BYTE_LIMIT, BATCH_FILE_LIMIT } from '../../contract/blob-batch';
import { BufferPool } from '../../contract/buffer-pool';
import { hashShared } from '../../contract/file-hash';
import { EveraiError } from '../../contract/errors';
import { quotePath } from '../../contract/volume-file';
import { volumeApiPath, type MissingBlobsView } from '../../contract/volume-view';
import { ifExists } from '../../contract/if-exists';
import { inBatches } from './batches';
import { uploadBatch, uploadBlob, uploadHashing } from './blob-transfer';
import type { LocalFile } from './local-files';
import { forEachLimited, TRANSFER_LANES } from './parallel';
import type { TransferProgress } from './transfer-progress';

/**
 * A file to upload, from byte `offset` on (the platform holds those before it): by its digest, or,
 * not hashed yet, as upload `upload`, hashed as it goes.
 */
export type Upload = LocalFile & { offset: number } & ({ digest: string; upload?: undefined } | { digest?: undefined; upload: string });

/** What a push sends. */
export interface PushUploads {
  /** Files the platform lacks by their digest, and large ones not hashed yet. */
  uploads: Upload[];
  /** Small files not hashed yet: each batch is hashed as it is read, and sent where the platform lacks it. */
  unhashed: LocalFile[];
  /** Hears of each large file hashed as it went as soon as the platform stored it. */
  onStored: (file: LocalFile, digest: string) => Promise<void>;
}

/** What a push sent, and the digests it found for the files it had not hashed before. */
export interface Uploaded {
  files: number;
  bytes: number;
  /** By path. */
  digests: Map<string, string>;
}

async function changedSinceListed(file: LocalFile): Promise<boolean> {
  const stat = await ifExists(fs.stat(file.source));
  return stat?.size !== file.size || stat.mtimeMs !== file.mtimeMs;
}

function changedWhilePushed(file: LocalFile): EveraiError {
  return new EveraiError('EVERAI_BAD_REQUEST', `${quotePath(file.path)} changed while it was being pushed: push again`);
}

/** Reads small files whole into `buffer`, one after another; each must still be the size it was listed at. */
function readInto(buffer: Buffer, files: readonly LocalFile[]): Buffer[] {
  let at = 0;
  return files.map((file) => {
    const fd = openSync(file.source, 'r');
    try {
      const bytes = buffer.subarray(at, at + file.size);
      for (let read = 0; read < file.size; ) {
        const length = readSync(fd, bytes, read, file.size - read, read);
        if (length === 0) throw changedWhilePushed(file);
        read += length;
      }
      if (fstatSync(fd).size !== file.size) throw changedWhilePushed(file);
      at += file.size;
      return bytes;
    } finally {
      closeSync(fd);
    }
  });
}

/** One request's worth of a push: a batch of small files (hashed already or not), or one file alone. */
type Request = { kind: 'hashed' | 'unhashed'; files: LocalFile[] } | { kind: 'alone'; file: Upload };

/**
 * Uploads what a push sends, TRANSFER_LANES requests at a time, so that reading and hashing the
 * next files overlaps the platform writing the last ones. A small file not hashed before is read
 * once: hashed from the bytes its batch sends.
 */
export async function uploadAll(api: ApiClient, ref: string, work: PushUploads, progress: TransferProgress): Promise<Uploaded> {
  const done: Uploaded = { files: 0, bytes: 0, digests: new Map() };
  // Where a batch's files are read: one batch's worth a lane, reused, and let go after the push (the
  // SDK pushes from an app's process). A buffer per file left the collector a gigabyte per
  // gigabyte pushed, and page faults on fresh memory for each (perf).
  const buffers = new BufferPool(BATCH_BYTE_LIMIT, TRANSFER_LANES, true);
  const requests: Request[] = [
    ...inBatches(work.uploads, (f) => f.offset > 0 || f.size > BATCH_FILE_LIMIT).map(({ files, batched }): Request =>
      batched ? { kind: 'hashed', files } : { kind: 'alone', file: files[0] as Upload },
    ),
    ...inBatches(work.unhashed, () => false).map(({ files }): Request => ({ kind: 'unhashed', files })),
  ];
  const files = work.uploads.length + work.unhashed.length;
  if (files === 0) return done;
  const bytes = work.uploads.reduce((sum, f) => sum + f.size - f.offset, 0) + work.unhashed.reduce((sum, f) => sum + f.size, 0);
  progress.start(files, bytes);
  try {
    await forEachLimited(requests, TRANSFER_LANES, async (request) => {
      const sent = send(api, ref, request, { progress, done, buffers, onStored: work.onStored });
      await sent.catch(async (error: unknown) => {
        // The platform refuses bytes that no longer match the digest: say why in the user's terms.
        for (const file of request.kind === 'alone' ? [request.file] : request.files) {
          if (await changedSinceListed(file)) throw changedWhilePushed(file);
        }
        throw error;
      });
    });
  } finally {
    progress.stop();
  }
  for (const file of work.uploads) {
    // Hashed as it went: bytes that changed meanwhile are a mix of old and new, not the file.
    if (file.upload !== undefined && (await changedSinceListed(file))) throw changedWhilePushed(file);
  }
  return done;
}

/** What the requests of one push share. */
interface PushState {
  progress: TransferProgress;
  done: Uploaded;
  buffers: BufferPool;
  onStored: PushUploads['onStored'];
}

async function send(api: ApiClient, ref: string, request: Request, state: PushState): Promise<void> {
  if (request.kind === 'alone') return sendAlone(api, ref, request.file, state);
  const { progress, done, buffers } = state;
  const buffer = await buffers.take();
  try {
    await sendBatch(api, ref, request.kind, readInto(buffer, request.files), request.files, progress, done);
  } finally {
    buffers.give(buffer);
  }
}

/** Sends one file in a request of its own: a large one, or one whose upload broke off. */
async function sendAlone(api: ApiClient, ref: string, file: Upload, { progress, done, onStored }: PushState): Promise<void> {
  const onBytes = (n: number) => progress.advance(n);
  let sent = file.size - file.offset;
  if (file.upload === undefined) await uploadBlob(api, ref, file, onBytes);
  else {
    const digest = await uploadHashing(api, ref, file, onBytes).catch(async (error: unknown) => {
      // The bytes the platform held from a push that broke off were not this file's (rewritten
      // since at the same size and mtime): the finish found the whole not the digest, and dropped
      // them. The file goes once more from its start.
      if (file.offset === 0 || !(error instanceof EveraiError && error.code === 'EVERAI_BAD_REQUEST') || (await changedSinceListed(file))) throw error;
      sent += file.size;
      return uploadHashing(api, ref, { ...file, offset: 0 }, onBytes);
    });
    done.digests.set(file.path, digest);
    // Bytes that changed as they went are a mix of old and new, not the file: uploadAll refuses them.
    if (!(await changedSinceListed(file))) await onStored(file, digest);
  }
  if (sent === 0) {
    // All of it arrived before a push broke off: this one only had the platform store it.
    progress.fileHeld(file.path, 0);
  } else {
    count(done, sent);
    progress.fileDone(file.path, sent);
  }
}

/** Sends a batch of small files, read already (`contents`, in the order of `files`). */
async function sendBatch(
  api: ApiClient,
  ref: string,
  kind: 'hashed' | 'unhashed',
  contents: readonly Buffer[],
  files: readonly LocalFile[],
  progress: TransferProgress,
  done: Uploaded,
): Promise<void> {
  // Hashed on the hash threads, where the batch's buffer lies, while this thread sends other batches.
  const blobs = await Promise.all(
    files.map(async (file, i) => {
      const bytes = contents[i] as Buffer;
      const digest = kind === 'hashed' ? ((file as Upload).digest as string) : await hashShared(bytes);
      return { file, digest, bytes };
    }),
  );
  let sending = blobs;
  if (kind === 'unhashed') {
    // Hashed only now, so not asked about with the others: the platform may hold some already (a
    // push that broke off sent them, or the same bytes are in another file).
    for (const { file, digest } of blobs) done.digests.set(file.path, digest);
    const { missing } = await api.request<MissingBlobsView>('POST', volumeApiPath(ref, '/blobs:missing'), { digests: [...new Set(blobs.map((b) => b.digest))] });
    const lacking = new Set(missing);
    // Each lacking digest once, however many files of the batch hold those bytes.
    sending = blobs.filter((b) => lacking.delete(b.digest));
  }
  if (sending.length > 0) await uploadBatch(api, ref, sending);
  const sent = new Set(sending);
  for (const blob of blobs) {
    if (sent.has(blob)) {
      count(done, blob.bytes.length);
      progress.advance(blob.bytes.length);
      progress.fileDone(blob.file.path, blob.bytes.length);
    } else {
      progress.fileHeld(blob.file.path, blob.bytes.length);
    }
  }
}

function count(done: Uploaded, bytes: number): void {
  done.files++;
  done.bytes += bytes;
}
