import { createHash } from 'node:crypto';
import { accessSync, constants, promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The files of a worker's secret and configmap mounts: one file per key, holding its value. They
 * never go under the server's data folder (which must hold no plain secret value): each worker
 * gets a 0700 folder in /dev/shm (memory, where there is one) or the OS temp folder, removed when
 * the worker ends. Its name comes from the data folder and the worker id, so a restarted server
 * finds it again.
 */
export class KeyValueFiles {
  private readonly base: string;
  private readonly tag: string;

  constructor(dataDir: string) {
    this.base = writable('/dev/shm') ? '/dev/shm' : tmpdir();
    this.tag = createHash('sha256').update(dataDir).digest('hex').slice(0, 12);
  }

  folderOf(workerId: string): string {
    return join(this.base, `everai-${this.tag}-${workerId}`);
  }

  /** Writes one mount's keys as read-only files, owned by `owner` (the worker's user) if given; returns their folder. */
  async write(workerId: string, index: number, data: Record<string, string>, owner?: { uid: number; gid: number }): Promise<string> {
    const root = this.folderOf(workerId);
    await fs.mkdir(root, { recursive: true, mode: 0o700 });
    const dir = join(root, String(index));
    await fs.rm(dir, { recursive: true, force: true });
    await fs.mkdir(dir, { mode: 0o700 });
    for (const [key, value] of Object.entries(data)) {
      // Keys are names, never paths (the secret service allows dots, so '..' must be refused here).
      if (key === '.' || key === '..' || key.includes('/')) throw new Error(`key '${key}' cannot be a file name`);
      await fs.writeFile(join(dir, key), value, { mode: 0o400 });
      if (owner) await fs.chown(join(dir, key), owner.uid, owner.gid);
    }
    await fs.chmod(dir, 0o500);
    if (owner) await fs.chown(dir, owner.uid, owner.gid);
    return dir;
  }

  async remove(workerId: string): Promise<void> {
    const root = this.folderOf(workerId);
    // Read-only folders inside must be writable again before they can be emptied.
    for (const entry of await fs.readdir(root).catch(() => [])) await fs.chmod(join(root, entry), 0o700).catch(() => undefined);
    await fs.rm(root, { recursive: true, force: true });
  }
}

function writable(dir: string): boolean {
  try {
    accessSync(dir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}
