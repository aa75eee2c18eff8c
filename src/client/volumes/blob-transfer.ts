import { errorFromResponse, type ApiClient } from '../api-client';
import { BlobBatchReader, encodeBlobBatch } from '../../contract/blob-batch';
import { EveraiError } from '../../contract/errors';
import { streamExchange, type Exchange } from '../http-exchange';
import { openAnswer } from '../answer-reader';
import { downloadTarget, type DownloadTarget } from './download-target';
import { streamedDigest, UPLOAD_THREAD_FROM_BYTES } from './streamed-digest';
import { sendFileBytes } from '../file-body';
import type { VolumeFile } from '../../contract/volume-file';
import { UPLOAD_OFFSET_HEADER, volumeApiPath, type DownloadFilesRequest, type FinishUploadRequest } from '../../contract/volume-view';

function brokeOff(api: ApiClient, error: unknown): EveraiError {
  return new EveraiError('EVERAI_UNREACHABLE', `the transfer to ${api.baseUrl} broke off (${(error as Error).message})`);
}

/** PUTs bytes `offset` to `size` of a file to `path`, showing each piece to `onBytes` before it goes. */
async function putFileBytes(
  api: ApiClient,
  path: string,
  file: { source: string; size: number; offset: number },
  onBytes: (bytes: number, piece: Buffer) => void,
): Promise<Exchange> {
  const headers = {
    ...api.authHeaders(),
    'content-type': 'application/octet-stream',
    'content-length': String(file.size - file.offset),
    [UPLOAD_OFFSET_HEADER]: String(file.offset),
  };
  return streamExchange(`${api.baseUrl}${path}`, 'PUT', headers, (req) => sendFileBytes(req, file.source, file.offset, file.size, onBytes)).catch((error: unknown) => {
    throw brokeOff(api, error);
  });
}

/**
 * Streams one file's bytes from `offset` on (the platform holds those before it from an upload
 * that broke off) up as the blob `digest` of the volume. At most a few MiB of it are in memory.
 */
export async function uploadBlob(
  api: ApiClient,
  ref: string,
  blob: { source: string; digest: string; size: number; offset: number },
  onBytes: (bytes: number) => void,
): Promise<void> {
  const res = await putFileBytes(api, volumeApiPath(ref, `/blobs/${blob.digest}`), blob, onBytes);
  if (res.status !== 201) throw errorFromResponse(res.status, res.text);
}

/**
 * Uploads one file whose digest is not known yet as upload `upload`, hashing it as it goes (a
 * large one on the hash thread, behind the sending), so that it is read from disk once; the bytes
 * before `offset`, which the platform holds from an upload that broke off, are hashed, not sent.
 * The platform then stores the bytes as a blob only if it hashed them to the same digest as they
 * arrived. Returns the digest.
 */
export async function uploadHashing(
  api: ApiClient,
  ref: string,
  file: { source: string; upload: string; size: number; offset: number },
  onBytes: (bytes: number) => void,
): Promise<string> {
  const hash = streamedDigest(file.source, file.size >= UPLOAD_THREAD_FROM_BYTES);
  await hash.readStart(file.offset);
  let passed = file.offset;
  const res = await putFileBytes(api, volumeApiPath(ref, `/uploads/${file.upload}`), file, (bytes, piece) => {
    hash.passed(piece, (passed += bytes));
    onBytes(bytes);
  }).catch((error: unknown) => {
    hash.drop();
    throw error;
  });
  if (res.status !== 200) {
    hash.drop();
    throw errorFromResponse(res.status, res.text);
  }
  const digest = await hash.digest();
  await api.request('POST', volumeApiPath(ref, `/uploads/${file.upload}:finish`), { digest } satisfies FinishUploadRequest);
  return digest;
}

/**
 * Uploads small files, read already, as one batch (contract/blob-batch.ts). The pieces go to the
 * socket as they are, never copied into one body.
 */
export async function uploadBatch(api: ApiClient, ref: string, blobs: readonly { digest: string; bytes: Buffer }[]): Promise<void> {
  const body = encodeBlobBatch(blobs);
  const headers = {
    ...api.authHeaders(),
    'content-type': 'application/octet-stream',
    'content-length': String(body.reduce((sum, piece) => sum + piece.length, 0)),
  };
  const res = await streamExchange(`${api.baseUrl}${volumeApiPath(ref, '/blobs:upload')}`, 'POST', headers, async (req) => {
    for (const piece of body) req.write(piece);
    req.end();
  }).catch((error: unknown) => {
    throw brokeOff(api, error);
  });
  if (res.status !== 201) throw errorFromResponse(res.status, res.text);
}

/** Downloads one file of a revision into `target`, checking its bytes against the file's digest. */
export async function downloadFile(
  api: ApiClient,
  ref: string,
  revision: string,
  file: VolumeFile,
  target: string,
  onBytes: (bytes: number) => void,
): Promise<void> {
  const path = file.path.split('/').map(encodeURIComponent).join('/');
  const url = `${api.baseUrl}${volumeApiPath(ref, `/revisions/${revision}/files/${path}`)}`;
  let sink: DownloadTarget | undefined;
  const answer = await openAnswer(url, 'GET', api.authHeaders(), undefined, (piece) => {
    sink ??= downloadTarget(file, target);
    onBytes(piece.length);
    return sink.write(piece);
  }).catch((error: unknown) => {
    throw brokeOff(api, error);
  });
  try {
    const text = await answer.body;
    if (answer.status !== 200) throw errorFromResponse(answer.status, text);
  } catch (error) {
    sink?.abandon();
    if (error instanceof EveraiError) throw error;
    throw new EveraiError('EVERAI_INTERNAL', `downloading ${JSON.stringify(file.path)} failed: ${(error as Error).message}`);
  }
  // An empty file has no piece that made it.
  sink ??= downloadTarget(file, target);
  await sink.finish();
}

/**
 * Downloads small files of a revision in one request (contract/blob-batch.ts), each into the
 * target `targetOf` names and checked against its digest as it completes; `onFile` runs for each
 * file as soon as it is checked, so a batch that breaks off keeps the files before the break.
 */
export async function downloadBatch(
  api: ApiClient,
  ref: string,
  revision: string,
  files: readonly VolumeFile[],
  targetOf: (file: VolumeFile) => string,
  onBytes: (bytes: number) => void,
  onFile: (file: VolumeFile) => void,
): Promise<void> {
  const body = JSON.stringify({ paths: files.map((f) => f.path) } satisfies DownloadFilesRequest);
  const url = `${api.baseUrl}${volumeApiPath(ref, `/revisions/${revision}/files:download`)}`;
  let index = 0;
  let current: { file: VolumeFile; sink: DownloadTarget } | undefined;
  /** What a file's sink asked to wait for during the piece at hand. */
  let hold: Promise<void> | undefined;
  /** Files whole and being checked (their digest may come from the hash thread), and the first that failed. */
  const checking: Promise<void>[] = [];
  let failed: Error | undefined;
  try {
    const reader = new BlobBatchReader({
      start: (digest, size) => {
        const file = files[index++];
        if (!file || file.digest !== digest || file.size !== size) {
          throw new EveraiError('EVERAI_INTERNAL', `the platform sent ${digest} (${size} bytes) as file ${index} of a batch, not ${file ? `${file.digest} (${file.size} bytes)` : 'nothing'}; pull again`);
        }
        current = { file, sink: downloadTarget(file, targetOf(file)) };
      },
      bytes: (piece) => {
        hold = current?.sink.write(piece) ?? hold;
        onBytes(piece.length);
      },
      end: () => {
        const done = current as { file: VolumeFile; sink: DownloadTarget };
        current = undefined;
        checking.push(
          done.sink.finish().then(
            () => onFile(done.file),
            (error: Error) => void (failed ??= error),
          ),
        );
      },
    });
    const answer = await openAnswer(url, 'POST', { ...api.authHeaders(), 'content-type': 'application/json' }, body, (piece) => {
      reader.push(piece);
      const asked = hold;
      hold = undefined;
      return asked;
    }).catch((error: unknown) => {
      throw brokeOff(api, error);
    });
    const text = await answer.body;
    if (answer.status !== 200) throw errorFromResponse(answer.status, text);
    const count = reader.end();
    if (count !== files.length) throw new EveraiError('EVERAI_INTERNAL', `the platform sent ${count} of a batch's ${files.length} files; pull again`);
  } catch (error) {
    if (error instanceof EveraiError) throw error;
    throw new EveraiError('EVERAI_INTERNAL', `downloading a batch of ${files.length} files failed: ${(error as Error).message}`);
  } finally {
    current?.sink.abandon();
    // The files whole before a break stay: each is placed once checked.
    await Promise.all(checking);
  }
  if (failed !== undefined) throw failed;
}
