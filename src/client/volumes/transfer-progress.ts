import type * as CliProgress from 'cli-progress';
import { formatBytes } from '../image/push-progress';

/** What a push or a pull reports while it moves files (several at once). */
export interface TransferProgress {
  start(files: number, bytes: number): void;
  advance(bytes: number): void;
  fileDone(path: string, size: number): void;
  /**
   * A file counted in `start` that goes unsent after all: the platform had its bytes (a push knows
   * this of a file hashed in its batch only once the batch is read). It leaves the totals.
   */
  fileHeld(path: string, size: number): void;
  /** Also on failure, so that an error prints on a line of its own. */
  stop(): void;
}

export const SILENT_PROGRESS: TransferProgress = { start: () => undefined, advance: () => undefined, fileDone: () => undefined, fileHeld: () => undefined, stop: () => undefined };

/** `true`: bars on a terminal, lines in a log; `false` or left out: nothing. */
export function progressOf(option: boolean | TransferProgress | undefined, verb: 'uploading' | 'downloading'): TransferProgress {
  if (option === true) return transferProgress(verb);
  return option || SILENT_PROGRESS;
}

/** Two bars on a terminal (bytes and files); one plain line per finished file in a log. */
export function transferProgress(verb: 'uploading' | 'downloading', stream: NodeJS.WriteStream = process.stderr): TransferProgress {
  return stream.isTTY ? barProgress(verb, stream) : lineProgress(verb, stream);
}

/**
 * How long a log's lines may wait to be written together. A write per finished file (a system call,
 * and a pipe's reader woken each time) cost the CLI about 130 µs each: 0.13 s of a pull of 1024
 * files, more than its requests.
 */
const LOG_FLUSH_MS = 100;

/** Lines for `stream`, written together at most LOG_FLUSH_MS after the first of them, or at `flush`. */
function batchedLines(stream: NodeJS.WriteStream): { write(line: string): void; flush(): void } {
  let pending = '';
  // Not unref'd: a command that ends without `flush` still writes its last lines.
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    clearTimeout(timer);
    timer = undefined;
    if (pending.length > 0) stream.write(pending);
    pending = '';
  };
  return {
    write: (line) => {
      pending += line;
      timer ??= setTimeout(flush, LOG_FLUSH_MS);
    },
    flush,
  };
}

function lineProgress(verb: string, stream: NodeJS.WriteStream): TransferProgress {
  const done = verb === 'uploading' ? 'uploaded' : 'downloaded';
  const lines = batchedLines(stream);
  let totalFiles = 0;
  let totalBytes = 0;
  let files = 0;
  let bytes = 0;
  return {
    start: (fileCount, byteCount) => {
      totalFiles = fileCount;
      totalBytes = byteCount;
      lines.write(`${verb} ${fileCount} file${fileCount === 1 ? '' : 's'} (${formatBytes(byteCount)})\n`);
      lines.flush();
    },
    advance: () => undefined,
    fileDone: (path, size) => {
      files++;
      bytes += size;
      lines.write(`${done} ${path} (${formatBytes(size)}): ${files}/${totalFiles} files, ${formatBytes(bytes)} / ${formatBytes(totalBytes)}\n`);
    },
    fileHeld: (path, size) => {
      totalFiles--;
      totalBytes -= size;
      lines.write(`not sent ${path} (${formatBytes(size)}): the platform has these bytes already\n`);
    },
    stop: () => lines.flush(),
  };
}

function barProgress(verb: string, stream: NodeJS.WriteStream): TransferProgress {
  let multi: CliProgress.MultiBar | undefined;
  let byteBar: CliProgress.SingleBar | undefined;
  let fileBar: CliProgress.SingleBar | undefined;
  let bytes = 0;
  let files = 0;
  let totalBytes = 0;
  let totalFiles = 0;
  return {
    start: (fileCount, byteCount) => {
      totalBytes = byteCount;
      totalFiles = fileCount;
      // Required here, on a terminal only: every command that merely imports a volume client would load its 16 files.
      // Payload names must not be cli-progress's own tokens ({total}, {value}), which win over them.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      multi = new (require('cli-progress') as typeof CliProgress).MultiBar({ stream, hideCursor: true, format: `${verb} {what} [{bar}] {done} / {all}` });
      byteBar = multi.create(byteCount, 0, { what: 'bytes', done: formatBytes(0), all: formatBytes(byteCount) });
      fileBar = multi.create(fileCount, 0, { what: 'files', done: 0, all: fileCount });
    },
    advance: (count) => {
      bytes += count;
      byteBar?.update(bytes, { done: formatBytes(bytes) });
    },
    fileDone: () => {
      files++;
      fileBar?.update(files, { done: files });
    },
    fileHeld: (_path, size) => {
      totalBytes -= size;
      totalFiles--;
      byteBar?.setTotal(totalBytes);
      byteBar?.update(bytes, { all: formatBytes(totalBytes) });
      fileBar?.setTotal(totalFiles);
      fileBar?.update(files, { all: totalFiles });
    },
    stop: () => {
      multi?.stop();
      multi = undefined;
    },
  };
}
