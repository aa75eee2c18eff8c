import { promises as fs } from 'node:fs';
import { ifExists } from '../../../contract/if-exists';
import type { LogLine } from '../runtime';
import { parseChunks, type LogFiles, type StampChunk } from './log-stamps';

/** A line longer than this is given in pieces of this size: a worker printing without newlines must not grow a reader's memory. */
export const MAX_LINE_BYTES = 16 * 1024;

interface PartialLine {
  time: string;
  parts: Buffer[];
  length: number;
}

/**
 * Reads a worker's log as lines with the time each began to arrive (log-stamps.ts), from where it
 * left off on each call. Only stamped bytes are read, so a line is never given before its time is
 * known; a line still being written waits for its newline, or for the end.
 */
export class LogCursor {
  /** The next byte to read, counted from the worker's first byte. */
  private position = 0;
  /** How far the stamps file is read, and which file that was: a trim replaces it. */
  private stampsRead = 0;
  private stampsInode = -1;
  /** Where the log file begins, and how far its stamps reach. */
  private base = 0;
  private covered = 0;
  private unread: StampChunk[] = [];
  private partial: PartialLine | undefined;

  constructor(private readonly files: LogFiles) {}

  /**
   * The lines that arrived since the last call. `final`: nothing more is coming (the worker ended,
   * or the reader will not ask again), so a last line without its newline is given too, and bytes
   * no server stamped (written while none ran) get the time the file was last written.
   */
  async next(final: boolean): Promise<LogLine[]> {
    await this.readStamps();
    if (final) await this.stampRest();
    const lines: LogLine[] = [];
    const last = this.unread.at(-1);
    if (last) {
      // Bytes a trim dropped before they were read are gone.
      if (this.position < this.base) this.position = this.base;
      const bytes = await this.readRange(this.files.log, this.position - this.base, last.end - this.base);
      const from = this.position;
      for (const chunk of this.unread) {
        const start = Math.max(chunk.start, from) - from;
        const end = Math.min(chunk.end - from, bytes.length);
        if (end > start) this.split(bytes.subarray(start, end), chunk.time, lines);
      }
      this.position = last.end;
      this.unread = [];
    }
    if (final && this.partial) lines.push(this.take(this.partial));
    return lines;
  }

  private async readStamps(): Promise<void> {
    const stat = await ifExists(fs.stat(this.files.stamps));
    if (!stat) return;
    if (stat.ino !== this.stampsInode || stat.size < this.stampsRead) {
      this.stampsInode = stat.ino;
      this.stampsRead = 0;
      this.unread = [];
    }
    if (stat.size === this.stampsRead) return;
    const text = await this.readRange(this.files.stamps, this.stampsRead, stat.size);
    const { chunks, consumed } = parseChunks(text.toString('utf8'));
    if (this.stampsRead === 0 && chunks[0]) this.base = chunks[0].start;
    this.stampsRead += consumed;
    this.unread.push(...chunks.filter((c) => c.end > this.position));
    this.covered = Math.max(this.covered, chunks.at(-1)?.end ?? 0);
  }

  private async stampRest(): Promise<void> {
    const stat = await ifExists(fs.stat(this.files.log));
    const end = stat ? this.base + stat.size : 0;
    const start = Math.max(this.covered, this.position);
    if (!stat || end <= start) return;
    this.unread.push({ start, end, time: new Date(Math.floor(stat.mtimeMs)).toISOString() });
    this.covered = end;
  }

  private async readRange(file: string, from: number, to: number): Promise<Buffer> {
    const handle = await ifExists(fs.open(file, 'r'));
    if (!handle) return Buffer.alloc(0);
    try {
      const buffer = Buffer.alloc(Math.max(0, to - from));
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, from);
      return buffer.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  }

  /** Cuts `bytes` (all stamped `time`) into lines; a line that began in an earlier chunk keeps its time. */
  private split(bytes: Buffer, time: string, lines: LogLine[]): void {
    let from = 0;
    for (;;) {
      const newline = bytes.indexOf(10, from);
      const partial = this.append(bytes.subarray(from, newline < 0 ? bytes.length : newline), time, lines);
      if (newline < 0) return;
      lines.push(this.take(partial));
      from = newline + 1;
      if (from === bytes.length) return;
    }
  }

  /** Adds `piece` to the line being read, giving out full pieces of an overlong line; returns that line. */
  private append(piece: Buffer, time: string, lines: LogLine[]): PartialLine {
    let rest = piece;
    for (;;) {
      if (this.partial && this.partial.length >= MAX_LINE_BYTES) lines.push(this.take(this.partial));
      const partial = (this.partial ??= { time, parts: [], length: 0 });
      const taken = rest.subarray(0, MAX_LINE_BYTES - partial.length);
      partial.parts.push(taken);
      partial.length += taken.length;
      rest = rest.subarray(taken.length);
      if (rest.length === 0) return partial;
    }
  }

  private take(partial: PartialLine): LogLine {
    this.partial = undefined;
    return { time: partial.time, text: Buffer.concat(partial.parts, partial.length) };
  }
}
