import { promises as fs } from 'node:fs';
import { posix } from 'node:path';

/** One entry of a layer's tar. */
export interface LayerEntry {
  /** Path in the image, `/`-separated, without a leading `/`. */
  name: string;
  type: 'file' | 'directory' | 'symlink';
  mode: number;
  size: number;
  /** Where a file's bytes are read from on this machine... */
  source?: string;
  /** ...or the bytes themselves. */
  content?: Buffer;
  /** A symlink's target. */
  linkname?: string;
}

/** 0755 for what is executable, 0644 otherwise: the owner's umask must not reach the image. */
export function normalMode(mode: number): number {
  return mode & 0o111 ? 0o755 : 0o644;
}

/** A file of this machine as a regular file at `name`; a symlink is followed, so its target's bytes go in. */
export async function hostFile(source: string, name: string): Promise<LayerEntry> {
  const stat = await fs.stat(source);
  return { name, type: 'file', mode: normalMode(stat.mode), size: stat.size, source };
}

export function textFile(name: string, text: string, mode = 0o644): LayerEntry {
  const content = Buffer.from(text);
  return { name, type: 'file', mode, size: content.length, content };
}

export function directory(name: string, mode = 0o755): LayerEntry {
  return { name, type: 'directory', mode, size: 0 };
}

/**
 * The entries sorted by name, each parent directory before what is in it (added at 0755 where not
 * given), one entry per name: a tar that unpacks the same with any tool, and hashes the same.
 */
export function layerTree(entries: readonly LayerEntry[]): LayerEntry[] {
  const byName = new Map<string, LayerEntry>();
  for (const entry of entries) {
    for (let dir = posix.dirname(entry.name); dir !== '.' && !byName.has(dir); dir = posix.dirname(dir)) {
      byName.set(dir, directory(dir));
    }
    byName.set(entry.name, entry);
  }
  return [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
