import { mkdirSync, renameSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Renames a finished file to `target`, making `target`'s folder if it is missing. Synchronous: a
 * rename moves a name, not bytes, in microseconds, where a thread-pool round trip cost the main
 * thread some 40 µs. The folder is made only when the rename finds it missing, so that the many
 * files of an existing folder cost one call each.
 */
export function renameIntoPlace(path: string, target: string): void {
  try {
    renameSync(path, target);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    mkdirSync(dirname(target), { recursive: true });
    renameSync(path, target);
  }
}
