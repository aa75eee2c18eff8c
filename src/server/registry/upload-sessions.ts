import { randomUUID } from 'node:crypto';
import { mkdirSync, promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { BlobStore } from '../blobs/blob-store';
import { RegistryError } from './registry-errors';
import { ifExists } from '../../contract/if-exists';

export interface UploadSession {
  id: string;
  repository: string;
  userId: string;
  /** Bytes received so far. */
  size: number;
}

interface SessionMeta {
  repository: string;
  userId: string;
}

const SESSION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** An upload nobody touched for a day is abandoned (a client that crashed mid-push). */
const ABANDONED_AFTER_MS = 24 * 60 * 60 * 1000;

/** The blob store's key for a session's bytes. */
function bytesKey(id: string): string {
  return `registry-upload:${id}`;
}

/**
 * Blob upload sessions (distribution spec, "Pushing a blob in chunks"): `<id>.json` says who may
 * continue one, and its bytes are a resumable write of the blob store, hashed as each chunk is
 * written. Closing a session then renames the bytes into place without reading them back (a
 * session file copied into the store wrote every byte twice and read it once more). On disk, not in
 * memory, so a session survives a server restart and a blob of any size never sits in memory.
 */
export class UploadSessions {
  constructor(
    private readonly dir: string,
    private readonly blobs: BlobStore,
  ) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  private metaPath(id: string): string {
    return join(this.dir, `${id}.json`);
  }

  async start(repository: string, userId: string): Promise<UploadSession> {
    const id = randomUUID();
    await fs.writeFile(this.metaPath(id), JSON.stringify({ repository, userId } satisfies SessionMeta));
    return { id, repository, userId, size: 0 };
  }

  /** The session, when it exists and belongs to this user and repository. */
  async get(id: string, repository: string, userId: string): Promise<UploadSession> {
    const unknown = new RegistryError('BLOB_UPLOAD_UNKNOWN', `upload '${id}' is not known`);
    // The id comes from the URL: only a UUID may become part of a file name.
    if (!SESSION_ID.test(id)) throw unknown;
    try {
      const owner = JSON.parse(await fs.readFile(this.metaPath(id), 'utf8')) as SessionMeta;
      if (owner.repository !== repository || owner.userId !== userId) throw unknown;
      return { id, repository, userId, size: await this.blobs.partialSize(bytesKey(id)) };
    } catch {
      throw unknown;
    }
  }

  /** Appends `body` to the session's bytes; returns the new size. */
  append(session: UploadSession, body: Readable, signal: AbortSignal): Promise<number> {
    return this.blobs.appendResumable(bytesKey(session.id), session.size, body, signal);
  }

  /** Makes the session's bytes blob `digest` if they hash to it (else they are dropped). */
  finish(session: UploadSession, digest: string): Promise<{ digest: string; size: number }> {
    return this.blobs.finishResumable(bytesKey(session.id), digest);
  }

  async remove(id: string): Promise<void> {
    await this.blobs.dropResumable(bytesKey(id));
    await fs.rm(this.metaPath(id), { force: true });
  }

  /**
   * Drops sessions left behind by clients that never finished them. Their bytes go with the blob
   * store's stale resumable writes (blob collection).
   */
  async sweepAbandoned(now = Date.now()): Promise<void> {
    for (const name of await fs.readdir(this.dir)) {
      const path = join(this.dir, name);
      const stat = await ifExists(fs.stat(path));
      if (stat && now - stat.mtimeMs > ABANDONED_AFTER_MS) await fs.rm(path, { force: true });
    }
  }
}
