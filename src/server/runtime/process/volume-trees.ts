import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { dirname, join } from 'node:path';
import type { BlobStore } from '../../blobs/blob-store';
import type { VolumeMount } from '../runtime';

/**
 * The read-only folder a worker sees for a volume revision: every file a hard link to its blob,
 * so no byte is copied, and one folder per revision shared by every worker on it.
 * Built in a temp folder and renamed into place, so a crash never leaves a half tree that looks
 * done. Blobs are immutable and made 0444, folders 0555: a worker (not running as root) cannot
 * change what other workers see.
 */
export class VolumeTrees {
  private readonly building = new Map<string, Promise<string>>();

  constructor(
    private readonly blobs: BlobStore,
    private readonly root: string,
  ) {}

  ensure(volume: VolumeMount): Promise<string> {
    const dir = join(this.root, volume.volumeId, volume.revision);
    let pending = this.building.get(dir);
    if (!pending) {
      pending = this.build(dir, volume).finally(() => this.building.delete(dir));
      this.building.set(dir, pending);
    }
    return pending;
  }

  private async build(dir: string, volume: VolumeMount): Promise<string> {
    if (await exists(dir)) return dir;
    const tmp = join(this.root, '.tmp', randomBytes(8).toString('hex'));
    try {
      await fs.mkdir(tmp, { recursive: true });
      for (const file of volume.files) {
        const source = this.blobs.localPath(file.digest);
        if (!source) throw new Error(`the blob store cannot link ${file.digest}`);
        const target = join(tmp, file.path);
        await fs.mkdir(dirname(target), { recursive: true });
        await fs.chmod(source, 0o444);
        await fs.link(source, target);
      }
      await readOnlyDirs(tmp);
      await fs.mkdir(dirname(dir), { recursive: true });
      await fs.rename(tmp, dir);
    } catch (error) {
      await fs.rm(tmp, { recursive: true, force: true });
      if (await exists(dir)) return dir;
      throw error;
    }
    return dir;
  }
}

async function readOnlyDirs(dir: string): Promise<void> {
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) await readOnlyDirs(join(dir, entry.name));
  }
  await fs.chmod(dir, 0o555);
}

async function exists(path: string): Promise<boolean> {
  try {
    await fs.access(path);
    return true;
  } catch {
    return false;
  }
}
