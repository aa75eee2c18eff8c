import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import type { LogLine, Runtime, WorkerLogReader } from '../runtime/runtime';
import { booleanFlag } from './common-schemas';

/** How often a followed log is read again; the workers (and whether they ended) are asked for every REFRESH_ROUNDS reads. */
const FOLLOW_POLL_MS = 250;
const REFRESH_ROUNDS = 4;

/** A worker whose log is read, and whether it has ended (then its log is read once more, to its end). */
export interface LogSource {
  workerId: string;
  ended: boolean;
}

export interface WorkerLogLine extends LogLine {
  workerId: string;
}

export interface LogStreamOptions {
  follow: boolean;
  /** Only lines received at or after this time (ms since the epoch). */
  since: number | undefined;
  /** The workers to read, asked again while following (new ones join); undefined: they are gone (the app was deleted). */
  sources: () => Promise<LogSource[] | undefined>;
  /** Following ends once every source has ended (one worker's log); otherwise only when the client goes (an app's). */
  endWithSources: boolean;
  /** Writes lines in time order; resolves when the response can take more. */
  write: (lines: WorkerLogLine[]) => Promise<void>;
  /** The client went away. */
  signal: AbortSignal;
}

/**
 * The lines of one or several workers' logs, interleaved in the order the server received them,
 * then (following) what they print next. Each round reads every worker before anything is written,
 * so lines from different workers come out in time order. Ends when the client goes: it holds
 * nothing but readers and a timer, both dropped with it.
 */
export async function streamLogs(runtime: Runtime, options: LogStreamOptions): Promise<void> {
  const readers = new Map<string, { reader: WorkerLogReader; done: boolean }>();
  let sources: LogSource[] = [];
  for (let round = 0; !options.signal.aborted; round++) {
    if (round % REFRESH_ROUNDS === 0) {
      const found = await options.sources();
      if (!found) return;
      sources = found;
    }
    const batch: WorkerLogLine[] = [];
    for (const { workerId, ended } of sources) {
      let entry = readers.get(workerId);
      if (!entry) readers.set(workerId, (entry = { reader: runtime.openLog(workerId), done: false }));
      if (entry.done) continue;
      // Not following, this is the last read: a line without its newline yet is shown as it is.
      const final = ended || !options.follow;
      for (const line of await entry.reader.next(final)) {
        if (options.since === undefined || Date.parse(line.time) >= options.since) batch.push({ workerId, ...line });
      }
      entry.done = ended;
    }
    // Stable: one worker's lines of the same millisecond keep their order. ISO times of one length sort as text.
    batch.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
    if (batch.length > 0) await options.write(batch);
    if (!options.follow) return;
    if (options.endWithSources && sources.every((s) => readers.get(s.workerId)?.done)) return;
    await sleep(FOLLOW_POLL_MS, undefined, { signal: options.signal }).catch(() => undefined);
  }
}

/** The query of both log routes: `since` an RFC 3339 time, as ms since the epoch. */
export const logQuery = z.object({
  follow: booleanFlag.describe('true: keep the answer open and send lines as they come'),
  since: z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined) return undefined;
      const ms = Date.parse(value);
      if (Number.isNaN(ms)) ctx.addIssue({ code: 'custom', message: `'${value}' is not an RFC 3339 time (2024-07-05T08:41:49Z)` });
      return ms;
    })
    .describe('Only lines received at or after this time (RFC 3339)'),
});

/** Starts a streamed answer whose end the client decides; the returned signal aborts when it goes. */
export function startStream(res: ServerResponse, contentType: string): AbortSignal {
  const gone = new AbortController();
  res.once('close', () => gone.abort());
  res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-cache' });
  res.flushHeaders();
  return gone.signal;
}

/** Writes, then waits while the client's buffer is full; a client gone stops the wait instead of leaving it hanging. */
export async function writeChunk(res: ServerResponse, chunk: Buffer | string, signal: AbortSignal): Promise<void> {
  if (res.write(chunk)) return;
  await once(res, 'drain', { signal }).catch(() => undefined);
}
