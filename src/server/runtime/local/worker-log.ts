import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** A worker's log is kept to about this size; past it, the older half goes. */
export const LOG_LIMIT_BYTES = 4 * 1024 * 1024;
const FOLLOW_POLL_MS = 250;

/**
 * A worker writes its stdout and stderr straight into one file (no pipe through the server, so it
 * outlives a server crash). These read it, follow it, and keep it bounded.
 */
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

/** The whole log, then (with `follow`) what is appended, until `signal` aborts or `done()` says so. */
export async function* readLog(
  file: string,
  options: { follow: boolean; signal: AbortSignal; done: () => boolean },
): AsyncGenerator<Buffer> {
  let offset = 0;
  for (;;) {
    let size: number;
    try {
      size = (await fs.stat(file)).size;
    } catch {
      return;
    }
    // The file shrank: it was trimmed to its newer half; read on from its start.
    if (size < offset) offset = 0;
    if (size > offset) {
      const handle = await fs.open(file, 'r');
      try {
        const buffer = Buffer.alloc(size - offset);
        await handle.read(buffer, 0, buffer.length, offset);
        offset = size;
        yield buffer;
      } finally {
        await handle.close();
      }
    }
    if (!options.follow || options.signal.aborted || options.done()) return;
    await sleep(FOLLOW_POLL_MS, undefined, { signal: options.signal }).catch(() => undefined);
  }
}

/**
 * Keeps the newer half once the log is over the limit. The worker appends (O_APPEND), so its
 * writes land at the new end; a line written during the trim may be lost, never the file.
 */
export async function trimLog(file: string, limit = LOG_LIMIT_BYTES): Promise<void> {
  try {
    const { size } = await fs.stat(file);
    if (size <= limit) return;
    const keep = Math.floor(limit / 2);
    const handle = await fs.open(file, 'r+');
    try {
      const buffer = Buffer.alloc(keep);
      await handle.read(buffer, 0, keep, size - keep);
      const firstLine = buffer.indexOf(10) + 1;
      await handle.truncate(0);
      await handle.write(buffer.subarray(firstLine), 0, keep - firstLine, 0);
    } finally {
      await handle.close();
    }
  } catch {
    // A log that vanished or cannot be read is not worth failing a worker for.
  }
}

const LOG_TRIM_MS = 10_000;

/**
 * Every worker's folder on this machine (`<workers>/<id>`) and its log, `output.log`, which the
 * worker's program writes straight into: the same for every local runtime. Logs of live workers
 * are trimmed every few seconds; a finished worker's log stays for `worker logs`.
 */
export class WorkerFolders {
  private readonly trimmer: NodeJS.Timeout;

  constructor(
    private readonly root: string,
    live: () => Iterable<string>,
  ) {
    this.trimmer = setInterval(() => void Promise.all([...live()].map((id) => trimLog(this.logFile(id)))), LOG_TRIM_MS);
    this.trimmer.unref();
  }

  folder(workerId: string): string {
    return join(this.root, workerId);
  }

  logFile(workerId: string): string {
    return join(this.folder(workerId), 'output.log');
  }

  tail(workerId: string, lines: number): Promise<string> {
    return tailLines(this.logFile(workerId), lines);
  }

  read(workerId: string, options: { follow: boolean; signal: AbortSignal; done: () => boolean }): AsyncIterable<Buffer> {
    return readLog(this.logFile(workerId), options);
  }

  close(): void {
    clearInterval(this.trimmer);
  }
}
