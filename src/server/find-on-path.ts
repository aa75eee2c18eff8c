import { constants, promises as fs } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';

/** The executable `name` names: itself when it is a path, else the first match on PATH (sbin folders too). */
export async function findOnPath(name: string): Promise<string | undefined> {
  const candidates = isAbsolute(name)
    ? [name]
    : [...(process.env.PATH ?? '').split(delimiter), '/usr/local/sbin', '/usr/sbin', '/sbin'].filter(Boolean).map((dir) => join(dir, name));
  for (const file of candidates) {
    try {
      await fs.access(file, constants.X_OK);
      return file;
    } catch {
      // Not there or not executable: the next one.
    }
  }
  return undefined;
}
