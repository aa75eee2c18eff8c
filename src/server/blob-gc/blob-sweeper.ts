import type { BlobStore } from '../blobs/blob-store';
import type { Logger } from '../logger';
import type { Serial } from '../blobs/serial';

/** Yields the digest of every blob something still needs. */
export type BlobReferences = () => AsyncIterable<string>;

export interface BlobSweeperOptions {
  blobs: BlobStore;
  /** Every kind of thing that keeps blobs: volume revisions, image manifests. */
  references: readonly BlobReferences[];
  /** Held while deleting, so that no commit checks a blob that is about to go. */
  guard: Serial;
  /** A blob written or touched this recently stays, referenced or not: its push may not have committed yet. */
  graceMs?: number;
  everyMs?: number;
  log: Logger;
}

const HOUR_MS = 3600_000;

/**
 * Blob garbage collection: deletes blobs that no volume revision and no image manifest references
 * and that nobody wrote or touched for the grace period (what aborted pushes and deleted volumes
 * leave behind). If any reference cannot be read, nothing is deleted.
 */
export class BlobSweeper {
  private readonly graceMs: number;
  private readonly everyMs: number;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: BlobSweeperOptions) {
    this.graceMs = options.graceMs ?? HOUR_MS;
    this.everyMs = options.everyMs ?? HOUR_MS / 6;
  }

  start(): void {
    this.timer = setInterval(() => {
      this.running = this.sweep().catch((error: unknown) => this.options.log.error('blob collection failed (nothing was deleted after the error)', { error }));
    }, this.everyMs);
    // Collection is housekeeping: it never keeps the process alive.
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** Returns the digests it deleted. */
  async sweep(now = Date.now()): Promise<string[]> {
    return this.options.guard.run(async () => {
      const referenced = new Set<string>();
      for (const references of this.options.references) for await (const digest of references()) referenced.add(digest);
      const deleted: string[] = [];
      for await (const blob of this.options.blobs.list()) {
        if (referenced.has(blob.digest) || now - blob.modifiedMs < this.graceMs) continue;
        await this.options.blobs.delete(blob.digest);
        deleted.push(blob.digest);
      }
      // Pushes broken off and never resumed leave their bytes: the same grace, then they go too.
      await this.options.blobs.dropStaleUploads(now - this.graceMs);
      return deleted;
    });
  }
}
