import { closeSync, openSync, readSync, statSync, utimesSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';

/**
 * The script of the file thread (file-thread.ts starts it), which does a call's work on many files
 * at once: `touch` sets each file's times to `atMs` and answers its size, -1 for a file that is not
 * there; `read` reads the first `size` bytes of each file into `into` (a view of shared memory, which the
 * caller reads once the answer comes) from byte `at` on.
 */

/** Where a file's first `size` bytes go in the memory read into. */
export interface FileSpan {
  path: string;
  size: number;
  at: number;
}

/** What a call asks of the thread. */
export type FileWork = { touch: { paths: string[]; atMs: number } } | { read: { files: FileSpan[]; into: Uint8Array } };

export type FileRequest = FileWork & { id: number };

export type FileAnswer = { id: number; sizes: number[] } | { id: number; read: true } | { id: number; error: string };

function touch(paths: string[], atMs: number): number[] {
  const at = new Date(atMs);
  return paths.map((path) => {
    try {
      utimesSync(path, at, at);
      return statSync(path).size;
    } catch {
      return -1;
    }
  });
}

/** Reads each file's first `size` bytes into `into` at its `at`; throws for a file missing or shorter. */
function read(files: FileSpan[], into: Uint8Array): void {
  for (const { path, size, at } of files) {
    const fd = openSync(path, 'r');
    try {
      for (let got = 0; got < size; ) {
        const length = readSync(fd, into, at + got, size - got, got);
        if (length === 0) throw new Error(`${path} ended at byte ${got}, before ${size}`);
        got += length;
      }
    } finally {
      closeSync(fd);
    }
  }
}

parentPort?.on('message', (request: FileRequest) => {
  const { id } = request;
  try {
    if ('touch' in request) return parentPort?.postMessage({ id, sizes: touch(request.touch.paths, request.touch.atMs) } satisfies FileAnswer);
    read(request.read.files, request.read.into);
    return parentPort?.postMessage({ id, read: true } satisfies FileAnswer);
  } catch (error) {
    return parentPort?.postMessage({ id, error: (error as Error).message } satisfies FileAnswer);
  }
});
