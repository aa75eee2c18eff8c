import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { ifExists } from '../../../contract/if-exists';

/** Something to place at a path of the worker's folder: a volume tree, a secret's files. */
export interface FolderMount {
  /** Relative to the worker's folder, `/`-separated, normalised (no `.`, `..` or empty parts). */
  path: string;
  source: string;
}

interface Node {
  source?: string;
  children: Map<string, Node>;
}

/**
 * The folder a manifest program runs in (docs/manifest.md, "Mounts"). A process has no mount
 * namespace and the unpacked image is shared by every worker of its digest, so the worker gets its
 * own folder: each entry of the image's working folder appears as a link to it, and each mount as
 * a link at its path (folders on the way are real, with the image's entries linked inside them).
 * Nothing of the image is copied, and what the program writes in its folder stays its own.
 */
export async function buildWorkerFolder(target: string, imageDir: string, mounts: readonly FolderMount[]): Promise<void> {
  const root: Node = { children: new Map() };
  for (const mount of mounts) {
    let node = root;
    for (const part of mount.path.split('/')) {
      if (node.source) throw new Error(`mount ${mount.path} lies inside another mount`);
      let child = node.children.get(part);
      if (!child) node.children.set(part, (child = { children: new Map() }));
      node = child;
    }
    if (node.children.size > 0 || node.source) throw new Error(`mount ${mount.path} holds another mount`);
    node.source = mount.source;
  }
  await fs.rm(target, { recursive: true, force: true });
  await linkFarm(target, imageDir, root);
}

async function linkFarm(dir: string, imageDir: string | undefined, node: Node): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  const entries = imageDir === undefined ? [] : ((await ifExists(fs.readdir(imageDir, { withFileTypes: true }))) ?? []);
  for (const entry of entries) {
    if (!node.children.has(entry.name)) await fs.symlink(join(imageDir as string, entry.name), join(dir, entry.name));
  }
  for (const [name, child] of node.children) {
    if (child.source) {
      await fs.symlink(child.source, join(dir, name));
      continue;
    }
    const below = entries.find((e) => e.name === name && e.isDirectory()) ? join(imageDir as string, name) : undefined;
    await linkFarm(join(dir, name), below, child);
  }
}
