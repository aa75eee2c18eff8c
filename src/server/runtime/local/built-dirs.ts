import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { dirname, join } from 'node:path';
import { ifExists } from '../../../contract/if-exists';

const TEMP_PREFIX = '.building-';
const TRASH_PREFIX = '.trash-';

/**
 * Folders built once and then only read (an unpacked image, a volume revision's tree), each
 * built in a temp folder and renamed into place: a crash mid-build never leaves a half folder
 * that looks done, and callers asking for the same folder at once share one build.
 *
 * Unused ones are removed (`removeUnused`): a folder goes only while nobody holds it (`hold`: a
 * worker runs on it, or a build links from it) and nobody has asked for it since the cut-off. It
 * is renamed to a trash name first, so a crash mid-delete leaves trash (removed later), never a
 * half folder under its key. Asking for a folder whose removal is under way waits for it, then
 * builds the folder anew.
 */
export class BuiltDirs {
  private readonly builds = new Map<string, Promise<string>>();
  private readonly holds = new Map<string, number>();
  /** When each folder was last asked for or let go of; one found on disk without an entry counts as used when found. */
  private readonly lastUsed = new Map<string, number>();
  private readonly removals = new Map<string, Promise<void>>();
  /** A build's folder making, and the removal of a key's emptied parent, one at a time: neither undoes the other. */
  private placing: Promise<unknown> = Promise.resolve();
  private brokenSwept: Promise<void> | undefined;
  private sweeping: Promise<string[]> | undefined;

  /** `depth`: how many path levels a key has (`chain key`: 1, `volume/revision`: 2). */
  constructor(
    private readonly root: string,
    private readonly depth: 1 | 2,
  ) {}

  /** The folder `key` (a relative path) under the root, built by `build` into the folder it is given if absent. */
  ensure(key: string, build: (temp: string) => Promise<void>): Promise<string> {
    this.lastUsed.set(key, Date.now());
    let pending = this.builds.get(key);
    if (!pending) {
      const building = this.build(key, build);
      this.builds.set(key, building);
      // A failed build may be tried again (a blob pushed late, a full disk freed).
      building.catch(() => {
        if (this.builds.get(key) === building) this.builds.delete(key);
      });
      pending = building;
    }
    return pending;
  }

  /**
   * Keeps the folder from removal until the returned release is called (once; a second call does
   * nothing). Whoever needs a folder to stay (a worker runs on it) holds it before asking for it:
   * nothing can remove it in between.
   */
  hold(key: string): () => void {
    this.holds.set(key, (this.holds.get(key) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const held = this.holds.get(key) ?? 1;
      if (held > 1) this.holds.set(key, held - 1);
      else this.holds.delete(key);
      this.lastUsed.set(key, Date.now());
    };
  }

  /** Removes each folder nobody holds and nobody asked for since `before` (ms since the epoch); returns their paths. One sweep at a time. */
  removeUnused(before: number): Promise<string[]> {
    this.sweeping ??= this.sweep(before).finally(() => (this.sweeping = undefined));
    return this.sweeping;
  }

  private async build(key: string, build: (temp: string) => Promise<void>): Promise<string> {
    // Held while built: a sweep meanwhile must not take the folder it is about to become.
    const release = this.hold(key);
    try {
      await this.removals.get(key);
      const target = join(this.root, key);
      if (await isDirectory(target)) return target;
      await (this.brokenSwept ??= this.sweepBroken());
      // Beside its target: renaming within one parent needs no write access to the folder itself,
      // which a read-only tree (0555) no longer gives.
      const temp = await this.place(async () => {
        await fs.mkdir(dirname(target), { recursive: true });
        return fs.mkdtemp(join(dirname(target), TEMP_PREFIX));
      });
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
    } finally {
      release();
    }
  }

  private async sweep(before: number): Promise<string[]> {
    // First, as a first build would: no build has a temp folder yet that this could take.
    await (this.brokenSwept ??= this.sweepBroken());
    const removed: string[] = [];
    const foundAt = Date.now();
    const onDisk = await this.keysOnDisk();
    const present = new Set(onDisk);
    // Keys asked for but never built (a build that failed) need no entry.
    for (const key of this.lastUsed.keys()) if (!this.holds.has(key) && !present.has(key)) this.lastUsed.delete(key);
    for (const key of onDisk) {
      // Decided and marked in one turn of the event loop: an `ensure` after it waits for the removal.
      if (this.holds.has(key)) continue;
      const used = this.lastUsed.get(key);
      if (used === undefined) this.lastUsed.set(key, foundAt);
      if ((used ?? foundAt) >= before) continue;
      this.builds.delete(key);
      this.lastUsed.delete(key);
      const removal = this.moveToTrash(key);
      this.removals.set(key, removal);
      try {
        await removal;
      } finally {
        this.removals.delete(key);
      }
      removed.push(join(this.root, key));
    }
    await this.emptyTrash();
    return removed;
  }

  private async moveToTrash(key: string): Promise<void> {
    const target = join(this.root, key);
    // In its own parent, as a build places it: no write access to the (read-only) folder is needed.
    const trash = join(dirname(target), `${TRASH_PREFIX}${randomBytes(6).toString('hex')}`);
    await fs.rename(target, trash);
  }

  /** Deletes every trash folder (this sweep's, or a crash's), then each key parent left empty. */
  private async emptyTrash(): Promise<void> {
    for (const parent of await this.parents()) {
      for (const name of (await ifExists(fs.readdir(parent))) ?? []) {
        if (name.startsWith(TRASH_PREFIX)) await removeTree(join(parent, name));
      }
      // Fails unless empty. A build may be making a folder in it right now: its mkdtemp and this rmdir take turns.
      if (parent !== this.root) await this.place(() => fs.rmdir(parent).catch(() => undefined));
    }
  }

  private place<T>(work: () => Promise<T>): Promise<T> {
    const turn = this.placing.then(work);
    this.placing = turn.catch(() => undefined);
    return turn;
  }

  /** The root, and for two-level keys each first-level folder: where keys, temp and trash folders are. */
  private async parents(): Promise<string[]> {
    if (this.depth === 1) return [this.root];
    const entries = (await ifExists(fs.readdir(this.root, { withFileTypes: true }))) ?? [];
    return [this.root, ...entries.filter((e) => e.isDirectory() && !isScratch(e.name)).map((e) => join(this.root, e.name))];
  }

  private async keysOnDisk(): Promise<string[]> {
    const level = async (dir: string) => ((await ifExists(fs.readdir(dir, { withFileTypes: true }))) ?? []).filter((e) => e.isDirectory() && !isScratch(e.name)).map((e) => e.name);
    const first = await level(this.root);
    if (this.depth === 1) return first;
    const keys: string[] = [];
    for (const name of first) keys.push(...(await level(join(this.root, name))).map((below) => `${name}/${below}`));
    return keys;
  }

  /** One server owns a data folder, so a temp or trash folder found before its first build is a crash's. */
  private async sweepBroken(): Promise<void> {
    await fs.mkdir(this.root, { recursive: true });
    for (const parent of await this.parents()) {
      for (const name of (await ifExists(fs.readdir(parent))) ?? []) {
        if (isScratch(name)) await removeTree(join(parent, name));
      }
    }
  }
}

function isScratch(name: string): boolean {
  return name.startsWith(TEMP_PREFIX) || name.startsWith(TRASH_PREFIX);
}

async function isDirectory(path: string): Promise<boolean> {
  return (await ifExists(fs.stat(path)))?.isDirectory() ?? false;
}

/** A read-only tree (volume revisions are 0555) must be writable again to be removed. */
async function removeTree(dir: string): Promise<void> {
  await makeWritable(dir);
  await fs.rm(dir, { recursive: true, force: true });
}

async function makeWritable(dir: string): Promise<void> {
  await fs.chmod(dir, 0o755).catch(() => undefined);
  for (const entry of await fs.readdir(dir, { withFileTypes: true }).catch(() => [])) {
    if (entry.isDirectory()) await makeWritable(join(dir, entry.name));
  }
}
