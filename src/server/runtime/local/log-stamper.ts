import { watch, type FSWatcher } from 'node:fs';
import { Serial } from '../../blobs/serial';
import { loadStampState, stampNewBytes, trimStampedLog, type LogFiles, type StampState } from './log-stamps';

/**
 * Stamps come at most this often: a worker printing line after line costs the server (and the
 * stamps file) a hundred stamps a second at most, each with the time of the last write it covers.
 */
const STAMP_INTERVAL_MS = 10;

/**
 * Stamps a live worker's log as it grows (log-stamps.ts): the kernel tells of each write
 * (inotify, through fs.watch), so a line is stamped within moments of its arrival. Stamping,
 * trimming and reading take turns on one queue, so a reader never sees a log half trimmed.
 */
export class LogStamper {
  private readonly serial = new Serial();
  /** Read from the stamps file at the first stamp (on the queue, so once). */
  private state: StampState | undefined;
  private readonly watcher: FSWatcher;
  /** The next stamp, due: a burst of writes needs one more look, not one each. */
  private due: NodeJS.Timeout | undefined;
  private lastStampAt = 0;
  /** Told of each write as it happens, before its stamp: a start waits for its worker's output. */
  private readonly writeListeners = new Set<() => void>();

  constructor(private readonly files: LogFiles) {
    this.watcher = watch(files.log, () => {
      for (const listener of this.writeListeners) listener();
      this.poke();
    });
    // The folder went (the worker's record was pruned): there is nothing left to stamp.
    this.watcher.on('error', () => this.watcher.close());
    this.watcher.unref();
    // What the worker wrote before the watch began (or while no server ran, for an adopted one).
    this.poke();
  }

  private poke(): void {
    if (this.due) return;
    const wait = Math.max(0, this.lastStampAt + STAMP_INTERVAL_MS - Date.now());
    this.due = setTimeout(() => {
      this.due = undefined;
      this.lastStampAt = Date.now();
      // A log that cannot be read now is read at the next write; failing the worker for it would be worse.
      void this.stamp().catch(() => undefined);
    }, wait);
    this.due.unref();
  }

  private stamp(): Promise<void> {
    return this.serial.run(async () => stampNewBytes(this.files, await this.loaded()));
  }

  private async loaded(): Promise<StampState> {
    return (this.state ??= await loadStampState(this.files));
  }

  trim(limit: number): Promise<void> {
    return this.serial
      .run(async () => {
        const state = await this.loaded();
        await stampNewBytes(this.files, state);
        await trimStampedLog(this.files, state, limit);
      })
      .catch(() => undefined);
  }

  /** Calls `listener` at each write from now on; returns how to stop. */
  onWrite(listener: () => void): () => void {
    const own = () => listener();
    this.writeListeners.add(own);
    return () => this.writeListeners.delete(own);
  }

  /** Runs `work` between stamps and trims. */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    return this.serial.run(work);
  }

  /** Stops watching, once what the worker wrote last is stamped. */
  async close(): Promise<void> {
    this.watcher.close();
    this.writeListeners.clear();
    clearTimeout(this.due);
    await this.stamp().catch(() => undefined);
  }
}
