import { watch, type FSWatcher } from 'node:fs';
import { Serial } from '../../blobs/serial';
import { loadStampState, stampNewBytes, trimStampedLog, type LogFiles, type StampState } from './log-stamps';

/**
 * Stamps a live worker's log as it grows (log-stamps.ts): the kernel tells of each write
 * (inotify, through fs.watch), so a line is stamped within moments of its arrival. Stamping,
 * trimming and reading take turns on one queue, so a reader never sees a log half trimmed.
 */
export class LogStamper {
  private readonly serial = new Serial();
  private readonly state: Promise<StampState>;
  private readonly watcher: FSWatcher;
  /** A stamp is waiting in the queue: a burst of writes needs one more look, not one each. */
  private queued = false;

  constructor(private readonly files: LogFiles) {
    this.state = loadStampState(files);
    this.watcher = watch(files.log, () => this.poke());
    // The folder went (the worker's record was pruned): there is nothing left to stamp.
    this.watcher.on('error', () => this.watcher.close());
    this.watcher.unref();
    // What the worker wrote before the watch began (or while no server ran, for an adopted one).
    this.poke();
  }

  private poke(): void {
    if (this.queued) return;
    this.queued = true;
    void this.serial
      .run(async () => {
        this.queued = false;
        await stampNewBytes(this.files, await this.state);
      })
      // A log that cannot be read now is read at the next write; failing the worker for it would be worse.
      .catch(() => undefined);
  }

  trim(limit: number): Promise<void> {
    return this.serial
      .run(async () => {
        const state = await this.state;
        await stampNewBytes(this.files, state);
        await trimStampedLog(this.files, state, limit);
      })
      .catch(() => undefined);
  }

  /** Runs `work` between stamps and trims. */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    return this.serial.run(work);
  }

  /** Stops watching, once what the worker wrote last is stamped. */
  async close(): Promise<void> {
    this.watcher.close();
    await this.serial.run(async () => stampNewBytes(this.files, await this.state)).catch(() => undefined);
  }
}
