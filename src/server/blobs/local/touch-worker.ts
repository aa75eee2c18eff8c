import { statSync, utimesSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';

/**
 * The script of the touch thread (touch-thread.ts starts it): it sets each file's times to `atMs`
 * and answers its size, -1 for a file that is not there.
 */

export interface TouchRequest {
  id: number;
  paths: string[];
  atMs: number;
}

export interface TouchAnswer {
  id: number;
  sizes: number[];
}

parentPort?.on('message', ({ id, paths, atMs }: TouchRequest) => {
  const at = new Date(atMs);
  const sizes = paths.map((path) => {
    try {
      utimesSync(path, at, at);
      return statSync(path).size;
    } catch {
      return -1;
    }
  });
  parentPort?.postMessage({ id, sizes } satisfies TouchAnswer);
});
