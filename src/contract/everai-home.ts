import { homedir } from 'node:os';
import { join } from 'node:path';

/** Where the CLI and server keep their files; `EVERAI_HOME` moves it (README.md). */
export function everaiHome(): string {
  return process.env.EVERAI_HOME || join(homedir(), '.cache', 'everai');
}

export const DEFAULT_LISTEN = '127.0.0.1:8480';
