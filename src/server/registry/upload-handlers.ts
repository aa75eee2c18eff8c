import type { Readable } from 'node:stream';
import { EveraiError } from '../../contract/errors';
import type { BlobStore } from '../blobs/blob-store';
import { requireDigest } from './blob-handlers';
import { sendEmpty, type RegistryCall } from './registry-call';
import { RegistryError } from './registry-errors';
import type { RepositoryAccess } from './repository-access';
import type { RepositoryBlobs } from './repository-blobs';
import type { UploadSession, UploadSessions } from './upload-sessions';

function uploadHeaders(session: UploadSession): Record<string, string> {
  return {
    location: `/v2/${session.repository}/blobs/uploads/${session.id}`,
    // Distribution spec: the inclusive range received so far, `0-0` for nothing yet.
    range: `0-${Math.max(session.size - 1, 0)}`,
    'docker-upload-uuid': session.id,
  };
}

function blobCreated(res: RegistryCall['res'], repository: string, digest: string): void {
  sendEmpty(res, 201, { location: `/v2/${repository}/blobs/${digest}`, 'docker-content-digest': digest });
}

/** The first byte a PATCH carries, from `Content-Range: START-END` (or `bytes START-END/TOTAL`). */
function chunkStart(header: string | undefined): number | undefined {
  const match = header ? /^(?:bytes )?(\d+)-\d+(?:\/(?:\d+|\*))?$/.exec(header.trim()) : null;
  return match ? Number(match[1]) : undefined;
}

/**
 * Distribution spec, "Pushing blobs": monolithic (POST with `?digest=`), in chunks (POST, PATCH...,
 * PUT with `?digest=`), and "Mounting a blob from another repository" (POST with `?mount=&from=`).
 * Every byte streams to a file or the blob store; the digest is checked before a blob is visible.
 */
export class UploadHandlers {
  constructor(
    private readonly blobs: BlobStore,
    private readonly access: RepositoryAccess,
    private readonly sessions: UploadSessions,
    private readonly held: RepositoryBlobs,
  ) {}

  async start(call: RegistryCall): Promise<void> {
    const { req, res, url, user, repository } = call;
    await this.access.requireWrite(user, repository);
    const mount = url.searchParams.get('mount');
    const from = url.searchParams.get('from');
    if (mount !== null && from !== null && (await this.access.canRead(user, from)) && (await this.held.holds(from, requireDigest(mount)))) {
      await this.held.link(repository, mount);
      blobCreated(res, repository, mount);
      return;
    }
    const digest = url.searchParams.get('digest');
    if (digest !== null) {
      const written = await this.write(call, req, requireDigest(digest));
      blobCreated(res, repository, written);
      return;
    }
    const session = await this.sessions.start(repository, user.id);
    sendEmpty(res, 202, uploadHeaders(session));
  }

  async status(call: RegistryCall, id: string): Promise<void> {
    const session = await this.session(call, id);
    sendEmpty(call.res, 204, uploadHeaders(session));
  }

  async patch(call: RegistryCall, id: string): Promise<void> {
    const session = await this.session(call, id);
    const start = chunkStart(call.req.headers['content-range']);
    if (start !== undefined && start !== session.size) {
      // Distribution spec: an out-of-order chunk is refused with 416 and the range we hold.
      throw new RegistryError('BLOB_UPLOAD_INVALID', `chunk starts at ${start}, but ${session.size} bytes were received`, {
        status: 416,
        headers: uploadHeaders(session),
      });
    }
    session.size = await this.sessions.append(session, call.req, call.signal);
    sendEmpty(call.res, 202, uploadHeaders(session));
  }

  /**
   * PUT closes the session: an optional last chunk, then the digest check. A session that holds
   * nothing yet (a POST, then the whole blob in this PUT) streams the body straight into the blob
   * store; one that holds chunks was hashed as they were written, so its bytes become the blob
   * without being read back (a built image's layer comes as one PATCH, then a PUT with no body).
   */
  async finish(call: RegistryCall, id: string): Promise<void> {
    const digest = requireDigest(call.url.searchParams.get('digest') ?? '');
    const session = await this.session(call, id);
    const direct = session.size === 0;
    try {
      if (direct) await this.write(call, call.req, digest);
      else {
        await this.sessions.append(session, call.req, call.signal);
        await this.stored(call, () => this.sessions.finish(session, digest));
      }
    } catch (error) {
      // A body that broke off leaves the session, as a PATCH that broke off does: its status
      // tells the client what to send again.
      if (!call.signal.aborted) await this.sessions.remove(session.id);
      throw error;
    }
    await this.sessions.remove(session.id);
    blobCreated(call.res, call.repository, digest);
  }

  async cancel(call: RegistryCall, id: string): Promise<void> {
    const session = await this.session(call, id);
    await this.sessions.remove(session.id);
    sendEmpty(call.res, 204);
  }

  /** A session is only ever continued by the user who started it, in its repository. */
  private session(call: RegistryCall, id: string): Promise<UploadSession> {
    return this.sessions.get(id, call.repository, call.user.id);
  }

  private write(call: RegistryCall, body: Readable, digest: string): Promise<string> {
    return this.stored(call, () => this.blobs.write(body, digest, call.signal));
  }

  /** Runs `store`, which makes a blob, and links the blob into the call's repository; a wrong digest is the registry's DIGEST_INVALID. */
  private async stored(call: RegistryCall, store: () => Promise<{ digest: string }>): Promise<string> {
    try {
      const written = (await store()).digest;
      await this.held.link(call.repository, written);
      return written;
    } catch (error) {
      if (error instanceof EveraiError && error.code === 'EVERAI_BAD_REQUEST') {
        throw new RegistryError('DIGEST_INVALID', error.message);
      }
      throw error;
    }
  }
}
