import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { layerTree, type LayerEntry } from './layer-entries';

/**
 * A whole root filesystem as layer entries: files and folders with their modes as they are
 * (setuid, sticky /tmp), symlinks as links, hard links as files of their own. Devices, sockets
 * and FIFOs are left out: a runtime gives a container its own /dev.
 */
export async function rootfsEntries(rootfs: string): Promise<LayerEntry[]> {
  const entries: LayerEntry[] = [];
  const walk = async (dir: string, prefix: string): Promise<void> => {
    for (const name of await fs.readdir(dir)) {
      const source = join(dir, name);
      const entryName = prefix === '' ? name : `${prefix}/${name}`;
      const stat = await fs.lstat(source);
      const mode = stat.mode & 0o7777;
      if (stat.isDirectory()) {
        entries.push({ name: entryName, type: 'directory', mode, size: 0 });
        await walk(source, entryName);
      } else if (stat.isFile()) {
        entries.push({ name: entryName, type: 'file', mode, size: stat.size, source });
      } else if (stat.isSymbolicLink()) {
        entries.push({ name: entryName, type: 'symlink', mode: 0o777, size: 0, linkname: await fs.readlink(source) });
      }
    }
  };
  await walk(rootfs, '');
  return layerTree(entries);
}
