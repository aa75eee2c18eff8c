import { pipeline } from 'node:stream/promises';
import { z } from 'zod';
import { EveraiError } from '../../contract/errors';
import { parseBody } from '../apps/app-request';
import type { Authenticator } from '../auth';
import { readBytes, readJson } from '../http/body';
import { sendJson } from '../http/respond';
import type { Router } from '../http/router';
import { clientGoneSignal } from '../registry/registry-call';
import type { VolumeService } from '../volumes/volume-service';
import type { PlatformMetrics } from '../metrics/metrics';
import { UPLOAD_OFFSET_HEADER, VOLUMES_API } from '../../contract/volume-view';
import { BATCH_BODY_LIMIT, type BlobBatchView } from '../../contract/blob-batch';

/** A file list of a large volume is bigger than an ordinary API body (about 150 bytes a file). */
const FILE_LIST_BODY_LIMIT = 64 * 1024 * 1024;

const DIGEST = /^sha256:[a-f0-9]{64}$/;
const digestSchema = z.string().regex(DIGEST, 'must be sha256:<64 hex>');

const createSchema = z.object({ name: z.string() });
const missingSchema = z.object({ digests: z.array(digestSchema) });
const commitSchema = z.object({
  baseRevision: z.string().min(1, 'must name the revision the files started from (000000-000 for none)'),
  files: z.array(
    z.object({
      path: z.string(),
      digest: digestSchema,
      size: z.number().int().nonnegative(),
      mode: z.number().int().min(0).max(0o777),
    }),
  ),
});

/** Volumes (docs/volumes.md) at `/api/volumes/v1/volumes`; `:ref` is `NAME` or URL-encoded `OWNER/NAME`. */
export function registerVolumeRoutes(router: Router, deps: { auth: Authenticator; volumes: VolumeService; metrics: Pick<PlatformMetrics, 'volumeTransferred'> }): void {
  const { auth, volumes, metrics } = deps;
  const VOLUME = `${VOLUMES_API}/:ref`;

  router.on('POST', VOLUMES_API, async (req, res) => {
    const user = await auth.require(req);
    const { name } = parseBody(createSchema, await readJson(req));
    sendJson(res, 201, { volume: await volumes.create(user, name) });
  });

  router.on('GET', VOLUMES_API, async (req, res) => {
    sendJson(res, 200, { volumes: await volumes.list(await auth.require(req)) });
  });

  router.on('GET', VOLUME, async (req, res, { ref = '' }) => {
    sendJson(res, 200, { volume: await volumes.get(await auth.require(req), ref) });
  });

  router.on('DELETE', VOLUME, async (req, res, { ref = '' }) => {
    await volumes.delete(await auth.require(req), ref);
    sendJson(res, 200, { deleted: ref });
  });

  // Custom method in the reference API's style: POST .../volumes/NAME:publish.
  router.on('POST', VOLUME, async (req, res, { ref = '' }) => {
    const user = await auth.require(req);
    const colon = ref.lastIndexOf(':');
    const action = colon < 0 ? '' : ref.slice(colon + 1);
    if (action !== 'publish') throw new EveraiError('EVERAI_NOT_FOUND', `no volume action '${action}': use :publish`);
    sendJson(res, 200, { volume: await volumes.publish(user, ref.slice(0, colon)) });
  });

  router.on('POST', `${VOLUME}/revisions`, async (req, res, { ref = '' }) => {
    const user = await auth.require(req);
    const request = parseBody(commitSchema, await readJson(req, FILE_LIST_BODY_LIMIT));
    const commit = await volumes.commit(user, ref, request);
    sendJson(res, commit.created ? 201 : 200, commit);
  });

  // The router has no literal `:` suffix, so `blobs:missing` and `blobs:upload` are matched as a segment.
  router.on('POST', `${VOLUME}/:action`, async (req, res, { ref = '', action = '' }) => {
    const user = await auth.require(req);
    if (action === 'blobs:missing') {
      const { digests } = parseBody(missingSchema, await readJson(req, FILE_LIST_BODY_LIMIT));
      sendJson(res, 200, await volumes.missingBlobs(user, ref, digests));
    } else if (action === 'blobs:upload') {
      // Access is checked before the body is read: a stranger's batch is not even buffered.
      await volumes.checkWritable(user, ref);
      const batch = await volumes.putBlobBatch(user, ref, await readBytes(req, BATCH_BODY_LIMIT));
      metrics.volumeTransferred('push', batch.bytes);
      sendJson(res, 201, { stored: batch.stored } satisfies BlobBatchView);
    } else {
      throw new EveraiError('EVERAI_NOT_FOUND', `no volume route POST .../${action}`);
    }
  });

  router.on('PUT', `${VOLUME}/blobs/:digest`, async (req, res, { ref = '', digest = '' }) => {
    const user = await auth.require(req);
    // Node ends the body at Content-Length, so the declared length bounds what is written.
    if (req.headers['content-length'] === undefined) {
      throw new EveraiError('EVERAI_BAD_REQUEST', 'a blob upload needs a Content-Length header');
    }
    const offset = Number(req.headers[UPLOAD_OFFSET_HEADER] ?? 0);
    if (!Number.isSafeInteger(offset) || offset < 0) throw new EveraiError('EVERAI_BAD_REQUEST', `${UPLOAD_OFFSET_HEADER} must be a byte count`);
    const signal = clientGoneSignal(res);
    try {
      const blob = await volumes.putBlob(user, ref, digest, { body: req, offset, signal });
      // A resumed upload sent only what came after its offset.
      metrics.volumeTransferred('push', blob.size - offset);
      sendJson(res, 201, blob);
    } catch (error) {
      // A client that went away half-way gets no answer; the store keeps what arrived, to resume.
      if (!signal.aborted) throw error;
    }
  });

  router.on('GET', `${VOLUME}/revisions/:revision/files`, async (req, res, { ref = '', revision = '' }) => {
    sendJson(res, 200, await volumes.fileList(await auth.require(req), ref, revision));
  });

  router.on('GET', `${VOLUME}/revisions/:revision/files/*path`, async (req, res, { ref = '', revision = '', path = '' }) => {
    const { file, body } = await volumes.openFile(await auth.require(req), ref, revision, path);
    res.writeHead(200, {
      'content-type': 'application/octet-stream',
      'content-length': String(file.size),
      'x-everai-digest': file.digest,
      // A revision's files never change.
      'cache-control': 'max-age=31536000, immutable',
    });
    await pipeline(body, res, { signal: clientGoneSignal(res) }).then(
      () => metrics.volumeTransferred('pull', file.size),
      () => res.destroy(),
    );
  });
}
