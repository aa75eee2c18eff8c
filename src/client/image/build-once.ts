import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** A lock older than this belongs to a build that hung or a machine that rebooted mid-build. */
const STALE_LOCK_MS = 30 * 60_000;
const WAIT_MS = 1000;

/** True when the lock's holder is gone: its process no longer runs, or it has held it too long. */
function lockIsStale(lock: string): boolean {
  try {
    if (Date.now() - statSync(lock).mtimeMs > STALE_LOCK_MS) return true;
    process.kill(Number(readFileSync(lock, 'utf8')), 0);
    return false;
  } catch (error) {
    // ENOENT: released meanwhile, take it; ESRCH: its process died; EPERM: it runs as another user.
    return (error as NodeJS.ErrnoException).code !== 'EPERM';
  }
}

/**
 * The folder `dir`, built by `build` first if this machine has none: for what takes minutes to
 * make and never changes once made (a debootstrapped root filesystem). Built into a temp sibling
 * and renamed, so a crash never leaves a half folder where a later run would take it for whole;
 * an O_EXCL lock file makes builds that start together (test files, two `everai image build`s)
 * build it once while the others wait.
 */
export async function buildOnce(dir: string, build: (temp: string) => Promise<void>): Promise<string> {
  const lockPath = `${dir}.lock`;
  mkdirSync(dirname(dir), { recursive: true });
  for (;;) {
    if (existsSync(dir)) return dir;
    let lock: number;
    try {
      lock = openSync(lockPath, 'wx');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (lockIsStale(lockPath)) rmSync(lockPath, { force: true });
      else await new Promise((resolve) => setTimeout(resolve, WAIT_MS));
      continue;
    }
    try {
      writeFileSync(lock, String(process.pid));
      if (existsSync(dir)) return dir;
      // Whatever a crashed build left: nobody else builds while we hold the lock.
      const temps = readdirSync(dirname(dir)).filter((name) => name.startsWith(`${basename(dir)}.tmp-`));
      for (const name of temps) rmSync(join(dirname(dir), name), { recursive: true, force: true });
      const temp = `${dir}.tmp-${process.pid}`;
      mkdirSync(temp);
      try {
        await build(temp);
        renameSync(temp, dir);
      } catch (error) {
        // Another builder that took this lock for stale may have finished first: its folder is as good.
        if (!existsSync(dir)) throw error;
      } finally {
        rmSync(temp, { recursive: true, force: true });
      }
      return dir;
    } finally {
      closeSync(lock);
      rmSync(lockPath, { force: true });
    }
  }
}
