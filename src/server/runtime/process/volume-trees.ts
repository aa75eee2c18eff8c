import { promises as fs } from 'node:fs';
import { dirname, join } from 'node:path';
import type { BlobStore } from '../../blobs/blob-store';
import type { VolumeMount } from '../runtime';
import { BuiltDirs } from './built-dirs';

/**
 * The read-only folder a worker sees for a volume revision: every file a hard link to its blob,
 * so no byte is copied, and one folder per revision shared by every worker on it (BuiltDirs:
 * never half-built). Blobs are immutable and made 0444, folders 0555: a worker (not running as
 * root) cannot change what other workers see.
 */
export class VolumeTrees {
  private readonly dirs: BuiltDirs;

  constructor(
    private readonly blobs: BlobStore,
    root: string,
  ) {
    this.dirs = new BuiltDirs(root);
  }

  ensure(volume: VolumeMount): Promise<string> {
    return this.dirs.ensure(join(volume.volumeId, volume.revision), async (temp) => {
      for (const file of volume.files) {
        const source = this.blobs.localPath(file.digest);
        if (!source) throw new Error(`the blob store cannot link ${file.digest}`);
        const target = join(temp, file.path);
        await fs.mkdir(dirname(target), { recursive: true });
        await fs.chmod(source, 0o444);
        await fs.link(source, target);
      }
      await readOnlyDirs(temp);
    });
  }
}

async function readOnlyDirs(dir: string): Promise<void> {
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) await readOnlyDirs(join(dir, entry.name));
  }
  await fs.chmod(dir, 0o555);
}
