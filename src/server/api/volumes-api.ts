import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { EveraiError } from '../../contract/errors';
import type { ApiRouter } from './api';
import { limitedBody } from '../http/body';
import { clientGoneSignal } from '../registry/registry-call';
import type { VolumeService } from '../volumes/volume-service';
import type { PlatformMetrics } from '../metrics/metrics';
import { UPLOAD_OFFSET_HEADER, VOLUMES_API } from '../../contract/volume-view';
import type { VolumeFile } from '../../contract/volume-file';
import {
  blobBatchViewSchema,
  blobViewSchema,
  commitRequestSchema,
  commitViewSchema,
  downloadFilesRequestSchema,
  finishUploadRequestSchema,
  fileListViewSchema,
  missingBlobsRequestSchema,
  missingBlobsViewSchema,
  uploadViewSchema,
  volumeViewSchema,
} from '../../contract/volume-view-schemas';
import { deletedSchema } from './common-schemas';
import { BATCH_BODY_LIMIT, blobBatchLine } from '../../contract/blob-batch';

/** A file list of a large volume is bigger than an ordinary API body (about 150 bytes a file). */
const FILE_LIST_BODY_LIMIT = 64 * 1024 * 1024;

const createSchema = z.object({ name: z.string() });

/** An upload's body as the volume service takes it: from which byte of the file, and until when. */
interface UploadBody {
  body: IncomingMessage;
  offset: number;
  signal: AbortSignal;
}

/**
 * Hands an upload's body to `store`. Node ends a body at its Content-Length, so a declared length
 * is required: it bounds what is written. A client that went away half-way gets no answer; the
 * store keeps what arrived, to resume.
 */
async function receiveUpload(req: IncomingMessage, res: ServerResponse, store: (upload: UploadBody) => Promise<void>): Promise<void> {
  if (req.headers['content-length'] === undefined) {
    throw new EveraiError('EVERAI_BAD_REQUEST', 'a blob upload needs a Content-Length header');
  }
  const offset = Number(req.headers[UPLOAD_OFFSET_HEADER] ?? 0);
  if (!Number.isSafeInteger(offset) || offset < 0) throw new EveraiError('EVERAI_BAD_REQUEST', `${UPLOAD_OFFSET_HEADER} must be a byte count`);
  const signal = clientGoneSignal(res);
  try {
    await store({ body: req, offset, signal });
  } catch (error) {
    if (!signal.aborted) throw error;
  }
}

/** Volumes (docs/volumes.md) at `/api/volumes/v1/volumes`; `:ref` is `NAME` or URL-encoded `OWNER/NAME`. */
export function registerVolumeRoutes(router: ApiRouter, deps: { volumes: VolumeService; metrics: Pick<PlatformMetrics, 'volumeTransferred'> }): void {
  const { volumes, metrics } = deps;
  const VOLUME = `${VOLUMES_API}/:ref`;
  const tag = 'volumes';
  const volumeAnswer = z.object({ volume: volumeViewSchema });

  router.on(
    { method: 'POST', path: VOLUMES_API, tag, summary: 'Create a volume', body: createSchema, responses: { 201: volumeAnswer } },
    async ({ user, body, reply }) => {
      reply(201, { volume: await volumes.create(user, (await body()).name) });
    },
  );

  router.on(
    { method: 'GET', path: VOLUMES_API, tag, summary: "The caller's volumes", responses: { 200: z.object({ volumes: z.array(volumeViewSchema) }) } },
    async ({ user, reply }) => {
      reply(200, { volumes: await volumes.list(user) });
    },
  );

  router.on({ method: 'GET', path: VOLUME, tag, summary: 'One volume', responses: { 200: volumeAnswer } }, async ({ user, params: { ref = '' }, reply }) => {
    reply(200, { volume: await volumes.get(user, ref) });
  });

  router.on(
    { method: 'DELETE', path: VOLUME, tag, summary: 'Delete a volume and its revisions', responses: { 200: deletedSchema } },
    async ({ user, params: { ref = '' }, reply }) => {
      await volumes.delete(user, ref);
      reply(200, { deleted: ref });
    },
  );

  // Custom method in the reference API's style: POST .../volumes/NAME:publish.
  router.on(
    { method: 'POST', path: `${VOLUME}:publish`, tag, summary: 'Let every user read the volume as `owner/name`', responses: { 200: volumeAnswer } },
    async ({ user, params: { ref = '' }, reply }) => {
      reply(200, { volume: await volumes.publish(user, ref) });
    },
  );

  router.on(
    {
      method: 'POST',
      path: `${VOLUME}/revisions`,
      tag,
      summary: 'Commit a file list as a new revision (its blobs uploaded first)',
      description: '201: a new revision; 200: the files equal the newest revision, so none was made.',
      body: commitRequestSchema,
      bodyLimit: FILE_LIST_BODY_LIMIT,
      responses: { 200: commitViewSchema, 201: commitViewSchema },
    },
    async ({ user, params: { ref = '' }, body, reply }) => {
      const commit = await volumes.commit(user, ref, await body());
      reply(commit.created ? 201 : 200, commit);
    },
  );

  router.on(
    {
      method: 'POST',
      path: `${VOLUME}/blobs:missing`,
      tag,
      summary: 'Which of these blobs a push must upload, and how much of each it already sent',
      body: missingBlobsRequestSchema,
      bodyLimit: FILE_LIST_BODY_LIMIT,
      responses: { 200: missingBlobsViewSchema },
    },
    async ({ user, params: { ref = '' }, body, reply }) => {
      const { digests, uploads } = await body();
      reply(200, await volumes.missingBlobs(user, ref, digests, uploads));
    },
  );

  router.on(
    {
      method: 'POST',
      path: `${VOLUME}/blobs:upload`,
      tag,
      summary: 'Upload many small files in one request',
      description: 'The body is each blob as a line `DIGEST SIZE` then its SIZE bytes (docs/volumes.md). The server hashes each one itself; one that does not match its digest is a 400, and those before it stay stored.',
      rawBody: { description: 'Blobs, each a `DIGEST SIZE` line and its bytes', contentType: 'application/octet-stream' },
      responses: { 201: blobBatchViewSchema },
    },
    async ({ user, req, params: { ref = '' }, reply }) => {
      // Access is checked before the body is read: a stranger's batch is not even buffered.
      await volumes.checkWritable(user, ref);
      const batch = await volumes.putBlobBatch(user, ref, limitedBody(req, BATCH_BODY_LIMIT));
      metrics.volumeTransferred('push', batch.bytes);
      reply(201, { stored: batch.stored });
    },
  );

  router.on(
    {
      method: 'PUT',
      path: `${VOLUME}/blobs/:digest`,
      tag,
      summary: "Upload a file's bytes, or the rest of them from an offset",
      headers: z.object({
        [UPLOAD_OFFSET_HEADER]: z.string().regex(/^\d+$/).optional().describe('The byte of the file the body starts at, to resume an upload that broke off'),
      }),
      rawBody: { description: "The file's bytes (Content-Length required)", contentType: 'application/octet-stream' },
      responses: { 201: blobViewSchema },
    },
    async ({ user, req, res, params: { ref = '', digest = '' }, reply }) =>
      receiveUpload(req, res, async (upload) => {
        const blob = await volumes.putBlob(user, ref, digest, upload);
        // A resumed upload sent only what came after its offset.
        metrics.volumeTransferred('push', blob.size - upload.offset);
        reply(201, blob);
      }),
  );

  router.on(
    {
      method: 'PUT',
      path: `${VOLUME}/uploads/:upload`,
      tag,
      summary: "Send a file's bytes, or the next of them, before its digest is known",
      description:
        'The client names the upload (64 hex digits) and hashes the bytes as it sends them; the server hashes them as it writes them. `POST .../uploads/ID:finish` then stores them as a blob. A body that breaks off leaves what arrived: resume at the offset `blobs:missing` tells.',
      headers: z.object({
        [UPLOAD_OFFSET_HEADER]: z.string().regex(/^\d+$/).optional().describe('The byte of the file the body starts at: what the platform holds of this upload'),
      }),
      rawBody: { description: "The file's bytes from the offset on (Content-Length required)", contentType: 'application/octet-stream' },
      responses: { 200: uploadViewSchema },
    },
    async ({ user, req, res, params: { ref = '', upload = '' }, reply }) =>
      receiveUpload(req, res, async (part) => {
        const held = await volumes.appendUpload(user, ref, upload, part);
        metrics.volumeTransferred('push', held - part.offset);
        reply(200, { upload, offset: held });
      }),
  );

  router.on(
    {
      method: 'POST',
      path: `${VOLUME}/uploads/:upload:finish`,
      tag,
      summary: 'Store the bytes of an upload as a blob, if they are the digest the client hashed',
      description: 'A digest that is not what the server hashed as the bytes arrived is a 400, and the bytes are deleted: nothing is stored.',
      body: finishUploadRequestSchema,
      responses: { 201: blobViewSchema },
    },
    async ({ user, params: { ref = '', upload = '' }, body, reply }) => {
      reply(201, await volumes.finishUpload(user, ref, upload, (await body()).digest));
    },
  );

  router.on(
    { method: 'GET', path: `${VOLUME}/revisions/:revision/files`, tag, summary: "A revision's files", responses: { 200: fileListViewSchema } },
    async ({ user, params: { ref = '', revision = '' }, reply }) => {
      reply(200, await volumes.fileList(user, ref, revision));
    },
  );

  router.on(
    {
      method: 'POST',
      path: `${VOLUME}/revisions/:revision/files:download`,
      tag,
      summary: 'Many small files of a revision in one answer',
      description: 'The answer is each file, in the order asked, as a line `DIGEST SIZE` then its SIZE bytes (docs/volumes.md). A path the revision lacks is a 404 before any byte.',
      body: downloadFilesRequestSchema,
      responses: { 200: { description: 'Files, each a `DIGEST SIZE` line and its bytes', contentType: 'application/octet-stream' } },
    },
    async ({ user, res, params: { ref = '', revision = '' }, body }) => {
      const opened = await volumes.openFiles(user, ref, revision, (await body()).paths);
      const lineOf = (file: VolumeFile) => blobBatchLine(file.digest, file.size);
      const bytes = opened.files.reduce((sum, file) => sum + file.size, 0);
      res.writeHead(200, {
        'content-type': 'application/octet-stream',
        'content-length': String(opened.files.reduce((sum, file) => sum + lineOf(file).length, bytes)),
      });
      // A few MiB at a time in memory, however many files are asked.
      try {
        await opened.send(res, lineOf);
        res.end();
        metrics.volumeTransferred('pull', bytes);
      } catch {
        res.destroy();
      }
    },
  );

  router.on(
    {
      method: 'GET',
      path: `${VOLUME}/revisions/:revision/files/*path`,
      tag,
      summary: "One file's bytes (`path` may hold `/`)",
      responses: { 200: { description: "The file's bytes; X-Everai-Digest names their sha256", contentType: 'application/octet-stream' } },
    },
    async ({ user, res, params: { ref = '', revision = '', path = '' } }) => {
      const opened = await volumes.openFile(user, ref, revision, path);
      const { file } = opened;
      res.writeHead(200, {
        'content-type': 'application/octet-stream',
        'content-length': String(file.size),
        'x-everai-digest': file.digest,
        // A revision's files never change.
        'cache-control': 'max-age=31536000, immutable',
      });
      // A pull is done once every byte went to the connection: the client, which then has them all
      // (content-length), may close it before the response's end is written (a proxy in between
      // passes that close on at once), and that transfer counts too.
      try {
        await opened.send(res);
        res.end();
        metrics.volumeTransferred('pull', file.size);
      } catch {
        res.destroy();
      }
    },
  );
}
