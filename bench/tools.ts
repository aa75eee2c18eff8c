import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** A benchmark cannot run without some program: run.ts prints this message alone and exits non-zero. */
export class MissingToolError extends Error {}

// Debian installs nginx into /usr/sbin, which a non-root user's PATH often lacks.
const SBIN_DIRS = ['/usr/sbin', '/sbin'];

function findExecutable(command: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), ...SBIN_DIRS];
  for (const dir of dirs) {
    const file = join(dir, command);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // Not in this folder: try the next one.
    }
  }
  return undefined;
}

/**
 * The absolute path of each program, keyed by its command; `tools` maps each command to the Debian
 * package that has it. Every missing one is named at once, so a single install line fixes them all.
 */
export function requireTools<C extends string>(tools: Record<C, string>): Record<C, string> {
  const found = {} as Record<C, string>;
  const missing: C[] = [];
  for (const command of Object.keys(tools) as C[]) {
    const file = findExecutable(command);
    if (file) found[command] = file;
    else missing.push(command);
  }
  if (missing.length > 0) {
    const packages = [...new Set(missing.map((command) => tools[command]))].join(' ');
    throw new MissingToolError(`the benchmarks need ${missing.join(' and ')}: install with \`apt-get install -y ${packages}\` (Debian)`);
  }
  return found;
}
