import { promises as fs } from 'node:fs';
import { dirname, join } from 'node:path';
import type { BlobStore } from '../../blobs/blob-store';
import type { VolumeMount } from '../runtime';
import { BuiltDirs } from './built-dirs';

const LINK_BATCH = 64;

/**
 * The read-only folder a worker sees for a volume revision: every file a hard link to its blob,
 * so no byte is copied, and one folder per revision shared by every worker on it (BuiltDirs:
 * never half-built). Blobs are written 0444 by the blob store and folders here are made 0555: a
 * worker (not running as root) cannot change what other workers see.
 */
export class VolumeTrees {
  private readonly dirs: BuiltDirs;

  constructor(
    private readonly blobs: BlobStore,
    root: string,
  ) {
    this.dirs = new BuiltDirs(root, 2);
  }

  /** Keeps the revision's tree from `removeUnused` until the returned release is called. */
  hold(volume: VolumeRevisionRef): () => void {
    return this.dirs.hold(keyOf(volume));
  }

  /** Removes the trees no worker holds and none asked for since `before` (ms since the epoch); returns their paths. */
  removeUnused(before: number): Promise<string[]> {
    return this.dirs.removeUnused(before);
  }

  ensure(volume: VolumeMount): Promise<string> {
    return this.dirs.ensure(keyOf(volume), async (temp) => {
      // One mkdir per folder, shared by the links that need it (they run in batches).
      const made = new Map<string, Promise<unknown>>([[temp, Promise.resolve()]]);
      const link = async (file: VolumeMount['files'][number]) => {
        const source = this.blobs.localPath(file.digest);
        if (!source) throw new Error(`the blob store cannot link ${file.digest}`);
        const target = join(temp, file.path);
        const parent = dirname(target);
        let folder = made.get(parent);
        if (!folder) {
          folder = fs.mkdir(parent, { recursive: true });
          made.set(parent, folder);
        }
        await folder;
        await fs.link(source, target);
      };
      // Links in batches: each is a small syscall, and the thread pool runs several at once.
      for (let i = 0; i < volume.files.length; i += LINK_BATCH) {
        await Promise.all(volume.files.slice(i, i + LINK_BATCH).map(link));
      }
      await readOnlyDirs(temp);
    });
  }
}

/** Which tree of which volume: all a worker's record of what it holds needs. */
export type VolumeRevisionRef = Pick<VolumeMount, 'volumeId' | 'revision'>;

function keyOf(volume: VolumeRevisionRef): string {
  return `${volume.volumeId}/${volume.revision}`;
}

async function readOnlyDirs(dir: string): Promise<void> {
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) await readOnlyDirs(join(dir, entry.name));
  }
  await fs.chmod(dir, 0o555);
}
