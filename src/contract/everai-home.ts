import { homedir } from 'node:os';
import { join } from 'node:path';

/** Where the CLI and server keep their files (SPEC §2). */
export function everaiHome(): string {
  return process.env.EVERAI_HOME || join(homedir(), '.cache', 'everai');
}

export const DEFAULT_LISTEN = '127.0.0.1:8480';
