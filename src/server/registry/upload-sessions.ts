import { randomUUID } from 'node:crypto';
import { createWriteStream, mkdirSync, promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { RegistryError } from './registry-errors';
import { ifExists } from '../../contract/if-exists';

export interface UploadSession {
  id: string;
  repository: string;
  userId: string;
  /** Bytes received so far. */
  size: number;
  /** The file holding those bytes. */
  dataPath: string;
}

interface SessionMeta {
  repository: string;
  userId: string;
}

const SESSION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** An upload nobody touched for a day is abandoned (a client that crashed mid-push). */
const ABANDONED_AFTER_MS = 24 * 60 * 60 * 1000;

/**
 * Blob upload sessions (distribution spec, "Pushing a blob in chunks") as two files per session:
 * `<id>.json` (who may continue it) and `<id>.data` (the bytes so far). Files, not memory, so a
 * session survives a server restart and a blob of any size never sits in memory.
 */
export class UploadSessions {
  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  private paths(id: string): { meta: string; data: string } {
    return { meta: join(this.dir, `${id}.json`), data: join(this.dir, `${id}.data`) };
  }

  async start(repository: string, userId: string): Promise<UploadSession> {
    const id = randomUUID();
    const { meta, data } = this.paths(id);
    await fs.writeFile(data, '');
    await fs.writeFile(meta, JSON.stringify({ repository, userId } satisfies SessionMeta));
    return { id, repository, userId, size: 0, dataPath: data };
  }

  /** The session, when it exists and belongs to this user and repository. */
  async get(id: string, repository: string, userId: string): Promise<UploadSession> {
    const unknown = new RegistryError('BLOB_UPLOAD_UNKNOWN', `upload '${id}' is not known`);
    // The id comes from the URL: only a UUID may become part of a file name.
    if (!SESSION_ID.test(id)) throw unknown;
    const { meta, data } = this.paths(id);
    try {
      const owner = JSON.parse(await fs.readFile(meta, 'utf8')) as SessionMeta;
      if (owner.repository !== repository || owner.userId !== userId) throw unknown;
      return { id, repository, userId, size: (await fs.stat(data)).size, dataPath: data };
    } catch {
      throw unknown;
    }
  }

  /** Appends `body` to the session's bytes; returns the new size. */
  async append(session: UploadSession, body: Readable, signal: AbortSignal): Promise<number> {
    await pipeline(body, createWriteStream(session.dataPath, { flags: 'a' }), { signal });
    return (await fs.stat(session.dataPath)).size;
  }

  async remove(id: string): Promise<void> {
    const { meta, data } = this.paths(id);
    await fs.rm(meta, { force: true });
    await fs.rm(data, { force: true });
  }

  /** Drops sessions left behind by clients that never finished them. */
  async sweepAbandoned(now = Date.now()): Promise<void> {
    for (const name of await fs.readdir(this.dir)) {
      const path = join(this.dir, name);
      const stat = await ifExists(fs.stat(path));
      if (stat && now - stat.mtimeMs > ABANDONED_AFTER_MS) await fs.rm(path, { force: true });
    }
  }
}
