import { promises as fs } from 'node:fs';
import { dirname, join } from 'node:path';
import { ifExists } from '../../../contract/if-exists';

const TEMP_PREFIX = '.building-';

/**
 * Folders built once and then only read (an unpacked image, a volume revision's tree), each
 * built in a temp folder and renamed into place: a crash mid-build never leaves a half folder
 * that looks done, and callers asking for the same folder at once share one build.
 */
export class BuiltDirs {
  private readonly builds = new Map<string, Promise<string>>();
  private sweep: Promise<void> | undefined;

  constructor(private readonly root: string) {}

  /** The folder `key` (a relative path) under the root, built by `build` into the folder it is given if absent. */
  ensure(key: string, build: (temp: string) => Promise<void>): Promise<string> {
    let pending = this.builds.get(key);
    if (!pending) {
      pending = this.build(join(this.root, key), build);
      this.builds.set(key, pending);
      // A failed build may be tried again (a blob pushed late, a full disk freed).
      pending.catch(() => this.builds.delete(key));
    }
    return pending;
  }

  private async build(target: string, build: (temp: string) => Promise<void>): Promise<string> {
    if (await isDirectory(target)) return target;
    await (this.sweep ??= this.sweepBroken());
    // Beside its target: renaming within one parent needs no write access to the folder itself,
    // which a read-only tree (0555) no longer gives.
    await fs.mkdir(dirname(target), { recursive: true });
    const temp = await fs.mkdtemp(join(dirname(target), TEMP_PREFIX));
    try {
      await build(temp);
      await fs.rename(temp, target);
    } catch (error) {
      await fs.rm(temp, { recursive: true, force: true });
      // Another server process on this folder finished the same build first.
      if (await isDirectory(target)) return target;
      throw error;
    }
    return target;
  }

  /**
   * One server owns a data folder, so a temp folder found before its first build is a crash's.
   * Keys are at most two levels deep (`digest`, `volume/revision`): temp folders are found there.
   */
  private async sweepBroken(): Promise<void> {
    await fs.mkdir(this.root, { recursive: true });
    const parents = [this.root];
    for (const entry of await fs.readdir(this.root, { withFileTypes: true })) {
      if (entry.isDirectory() && !entry.name.startsWith(TEMP_PREFIX)) parents.push(join(this.root, entry.name));
    }
    for (const parent of parents) {
      for (const name of await fs.readdir(parent).catch(() => [] as string[])) {
        if (!name.startsWith(TEMP_PREFIX)) continue;
        await makeWritable(join(parent, name));
        await fs.rm(join(parent, name), { recursive: true, force: true });
      }
    }
  }
}

async function isDirectory(path: string): Promise<boolean> {
  return (await ifExists(fs.stat(path)))?.isDirectory() ?? false;
}

/** A half-built read-only tree (volume revisions are 0555) must be writable again to be removed. */
async function makeWritable(dir: string): Promise<void> {
  await fs.chmod(dir, 0o755).catch(() => undefined);
  for (const entry of await fs.readdir(dir, { withFileTypes: true }).catch(() => [])) {
    if (entry.isDirectory()) await makeWritable(join(dir, entry.name));
  }
}
