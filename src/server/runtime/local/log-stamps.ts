import { promises as fs } from 'node:fs';
import { ifExists } from '../../../contract/if-exists';

/**
 * A worker's log is two files in its folder (docs/logs.md):
 *
 * - `output.log`: the bytes its program wrote, as it wrote them. The program writes straight into
 *   it (no pipe through the server, so it outlives a server crash), which is why nothing can be
 *   put between its lines: a partial line or binary output stays exactly as written.
 * - `output.stamps`: when the server saw those bytes arrive, one line per chunk,
 *   `START END TIME`: bytes START to END (exclusive) arrived by TIME (RFC 3339, UTC, ms). Offsets
 *   count from the worker's first byte, not the file's, so they stay valid when a trim drops the
 *   file's older half: the file's first byte is the first chunk's START.
 */
export interface LogFiles {
  log: string;
  stamps: string;
}

export interface StampChunk {
  start: number;
  end: number;
  time: string;
}

/** What a stamper needs to go on: where the file begins, how far it is stamped, the last time used. */
export interface StampState {
  base: number;
  covered: number;
  lastMs: number;
}

export function formatChunk(chunk: StampChunk): string {
  return `${chunk.start} ${chunk.end} ${chunk.time}\n`;
}

const CHUNK_LINE = /^(\d+) (\d+) (\S+)$/;

/** The complete lines of `text` as chunks, and how many bytes of it they took (a line being written is left). */
export function parseChunks(text: string): { chunks: StampChunk[]; consumed: number } {
  const chunks: StampChunk[] = [];
  const lastNewline = text.lastIndexOf('\n');
  for (const line of text.slice(0, lastNewline + 1).split('\n')) {
    const match = CHUNK_LINE.exec(line);
    if (match) chunks.push({ start: Number(match[1]), end: Number(match[2]), time: match[3] as string });
  }
  return { chunks, consumed: Buffer.byteLength(text.slice(0, lastNewline + 1)) };
}

export async function readChunks(files: LogFiles): Promise<StampChunk[]> {
  return parseChunks((await ifExists(fs.readFile(files.stamps, 'utf8'))) ?? '').chunks;
}

export async function loadStampState(files: LogFiles): Promise<StampState> {
  const chunks = await readChunks(files);
  const last = chunks.at(-1);
  return { base: chunks[0]?.start ?? 0, covered: last?.end ?? 0, lastMs: last ? Date.parse(last.time) : 0 };
}

/**
 * Stamps what the log holds beyond `state.covered` with the time the file was last written: the
 * kernel's time for the last of those bytes, true however late the server looks (after a restart
 * too). Never earlier than the previous stamp, so a worker's lines stay in order.
 */
export async function stampNewBytes(files: LogFiles, state: StampState): Promise<void> {
  const stat = await ifExists(fs.stat(files.log));
  if (!stat) return;
  const end = state.base + stat.size;
  if (end <= state.covered) return;
  const ms = Math.max(Math.floor(stat.mtimeMs), state.lastMs);
  await fs.appendFile(files.stamps, formatChunk({ start: state.covered, end, time: new Date(ms).toISOString() }));
  state.covered = end;
  state.lastMs = ms;
}

/**
 * Keeps the log and its stamps to about `limit` bytes together: past it, the log keeps its newer
 * half (from a line's start) and the stamps of what it keeps. The worker appends (O_APPEND), so its
 * writes land at the new end; a line written during the trim may be lost, never the file. Call it
 * with everything stamped, and with no reader between its steps (LogStamper runs both in turn).
 */
export async function trimStampedLog(files: LogFiles, state: StampState, limit: number): Promise<void> {
  const logSize = (await ifExists(fs.stat(files.log)))?.size ?? 0;
  const stampsSize = (await ifExists(fs.stat(files.stamps)))?.size ?? 0;
  if (logSize + stampsSize <= limit) return;
  const keep = Math.floor(Math.min(logSize, limit) / 2);
  const handle = await fs.open(files.log, 'r+');
  try {
    const buffer = Buffer.alloc(keep);
    await handle.read(buffer, 0, keep, logSize - keep);
    const firstLine = buffer.indexOf(10) + 1;
    const base = state.base + logSize - keep + firstLine;
    const kept = (await readChunks(files)).filter((c) => c.end > base).map((c) => ({ ...c, start: Math.max(c.start, base) }));
    const next = `${files.stamps}.next`;
    await fs.writeFile(next, kept.map(formatChunk).join(''));
    await handle.truncate(0);
    await handle.write(buffer.subarray(firstLine), 0, keep - firstLine, 0);
    // A new file, not the old one rewritten: a reader that kept its place in the old one sees it changed.
    await fs.rename(next, files.stamps);
    state.base = base;
  } finally {
    await handle.close();
  }
}
