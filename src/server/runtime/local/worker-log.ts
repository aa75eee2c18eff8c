import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { WorkerLogReader } from '../runtime';
import { LogCursor } from './log-cursor';
import { LogStamper } from './log-stamper';
import type { LogFiles } from './log-stamps';

/** A worker's log and its stamps are kept to about this size together; past it, the older half goes. */
export const LOG_LIMIT_BYTES = 4 * 1024 * 1024;

/** The last `lines` lines of the log, raw: what a failure event quotes. */
export async function tailLines(file: string, lines: number): Promise<string> {
  try {
    const handle = await fs.open(file, 'r');
    try {
      const { size } = await handle.stat();
      const length = Math.min(size, 64 * 1024);
      const buffer = Buffer.alloc(length);
      await handle.read(buffer, 0, length, size - length);
      return buffer.toString('utf8').split('\n').filter(Boolean).slice(-lines).join('\n');
    } finally {
      await handle.close();
    }
  } catch {
    return '';
  }
}

const LOG_TRIM_MS = 10_000;

/**
 * Every worker's folder on this machine (`<workers>/<id>`) and its log (`output.log`, which the
 * worker's program writes straight into, and its stamps, log-stamps.ts): the same for every local
 * runtime. A live worker's log is stamped as it grows and trimmed every few seconds; a finished
 * worker's log stays for `worker logs` and `app logs`.
 */
export class WorkerFolders {
  private readonly stampers = new Map<string, LogStamper>();
  private readonly trimmer: NodeJS.Timeout;

  constructor(private readonly root: string) {
    this.trimmer = setInterval(() => void Promise.all([...this.stampers.values()].map((s) => s.trim(LOG_LIMIT_BYTES))), LOG_TRIM_MS);
    this.trimmer.unref();
  }

  folder(workerId: string): string {
    return join(this.root, workerId);
  }

  /** The file the worker's program writes its stdout and stderr into. */
  logFile(workerId: string): string {
    return join(this.folder(workerId), 'output.log');
  }

  private files(workerId: string): LogFiles {
    return { log: this.logFile(workerId), stamps: join(this.folder(workerId), 'output.stamps') };
  }

  /** The worker runs (started, or adopted after a restart): stamp its log as it grows. Its log file exists. */
  startStamping(workerId: string): void {
    if (!this.stampers.has(workerId)) this.stampers.set(workerId, new LogStamper(this.files(workerId)));
  }

  /** The worker ended: stamp what it wrote last, and stop watching. */
  async stopStamping(workerId: string): Promise<void> {
    const stamper = this.stampers.get(workerId);
    this.stampers.delete(workerId);
    await stamper?.close();
  }

  /** Calls `listener` at each write into a live worker's log; returns how to stop (a no-op for a worker not stamped here). */
  onWrite(workerId: string, listener: () => void): () => void {
    return this.stampers.get(workerId)?.onWrite(listener) ?? (() => undefined);
  }

  tail(workerId: string, lines: number): Promise<string> {
    return tailLines(this.logFile(workerId), lines);
  }

  openLog(workerId: string): WorkerLogReader {
    const cursor = new LogCursor(this.files(workerId));
    return {
      // Between a live worker's stamps and trims; a finished worker's log no longer changes.
      next: (final) => {
        const stamper = this.stampers.get(workerId);
        return stamper ? stamper.exclusive(() => cursor.next(final)) : cursor.next(final);
      },
    };
  }

  /** Stops watching (the workers may run on, for the next server to adopt). */
  async close(): Promise<void> {
    clearInterval(this.trimmer);
    await Promise.all([...this.stampers.keys()].map((id) => this.stopStamping(id)));
  }
}
