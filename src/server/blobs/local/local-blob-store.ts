import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync, promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { EveraiError } from '../../../contract/errors';
import type { BlobStore } from '../blob-store';
import { isDigest, parseDigest } from '../digest';
import { ifExists } from '../../../contract/if-exists';

/** Blobs never change once written: read-only, so a hard link to one (a volume tree) is too. */
const BLOB_MODE = 0o444;

/**
 * Blobs as files `sha256/ab/abcdef...` under one folder. A write goes to `tmp/` first and is
 * renamed into place only after its hash checks out, so a reader never sees a partial blob and a
 * crash mid-write leaves only a temp file (cleared at start).
 */
export class LocalBlobStore implements BlobStore {
  private readonly tmpDir: string;

  constructor(private readonly root: string) {
    this.tmpDir = join(root, 'tmp');
    mkdirSync(this.tmpDir, { recursive: true });
    mkdirSync(join(root, 'sha256'), { recursive: true });
  }

  /** Drops temp files left by writes that a crash broke off. */
  async sweepTemp(): Promise<void> {
    for (const name of await fs.readdir(this.tmpDir)) await fs.rm(join(this.tmpDir, name), { force: true });
  }

  private pathOf(digest: string): string {
    const hex = parseDigest(digest);
    return join(this.root, 'sha256', hex.slice(0, 2), hex);
  }

  localPath(digest: string): string {
    return this.pathOf(digest);
  }

  async has(digest: string): Promise<boolean> {
    return (await this.size(digest)) !== undefined;
  }

  async size(digest: string): Promise<number | undefined> {
    try {
      return (await fs.stat(this.pathOf(digest))).size;
    } catch {
      return undefined;
    }
  }

  read(digest: string, range?: { start: number; end: number }): Readable {
    const stream = createReadStream(this.pathOf(digest), range ?? {});
    stream.on('error', () => undefined);
    return stream;
  }

  async touch(digest: string): Promise<boolean> {
    const now = new Date();
    try {
      await fs.utimes(this.pathOf(digest), now, now);
      return true;
    } catch {
      return false;
    }
  }

  async *list(): AsyncIterable<{ digest: string; modifiedMs: number }> {
    const top = join(this.root, 'sha256');
    for (const prefix of await fs.readdir(top)) {
      for (const hex of (await ifExists(fs.readdir(join(top, prefix)))) ?? []) {
        const stat = await ifExists(fs.stat(join(top, prefix, hex)));
        if (stat?.isFile() && isDigest(`sha256:${hex}`)) yield { digest: `sha256:${hex}`, modifiedMs: stat.mtimeMs };
      }
    }
  }

  async delete(digest: string): Promise<void> {
    await fs.rm(this.pathOf(digest), { force: true });
  }

  async write(body: Readable, expectedDigest?: string, signal?: AbortSignal): Promise<{ digest: string; size: number }> {
    if (expectedDigest !== undefined) parseDigest(expectedDigest);
    const tmp = join(this.tmpDir, randomBytes(12).toString('hex'));
    const hash = createHash('sha256');
    let size = 0;
    body.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      size += chunk.length;
    });
    try {
      await pipeline(body, createWriteStream(tmp, { mode: BLOB_MODE }), signal ? { signal } : {});
      const digest = `sha256:${hash.digest('hex')}`;
      if (expectedDigest !== undefined && digest !== expectedDigest) {
        throw new EveraiError('EVERAI_BAD_REQUEST', `blob content hashes to ${digest}, not the declared ${expectedDigest}`);
      }
      const target = this.pathOf(digest);
      await fs.mkdir(join(target, '..'), { recursive: true });
      await fs.rename(tmp, target);
      return { digest, size };
    } finally {
      await fs.rm(tmp, { force: true });
    }
  }
}
