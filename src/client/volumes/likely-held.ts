import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import type { LocalFile } from './local-files';

/** A file some local copy's hash cache knows: where it lies, and the size and mtime its digest is for. */
export interface KnownFile {
  source: string;
  size: number;
  mtimeMs: number;
  /** In the copy being pushed, else in another volume's copy. */
  here: boolean;
}

/** Bytes read at each place a file is sampled: one page. */
const SAMPLE_BYTES = 4096;
/**
 * Known files of one size sampled at most. Past that many, most likely shards of a fixed size,
 * the rest are not read: a new file of that size is then found only if it matches the first ones.
 */
const SAMPLED_PER_SIZE = 64;

/**
 * A page from the middle and the last page of a file, hashed with its size: a model and its copy agree there,
 * two different files of one size (shards of a fixed size, or two checkpoints of one model, whose
 * headers are alike) almost never do. Undefined when the file is no longer there at `size` and
 * `mtimeMs`, or cannot be read.
 */
function sampleOf(file: Pick<KnownFile, 'source' | 'size' | 'mtimeMs'>): string | undefined {
  const stat = statSync(file.source, { throwIfNoEntry: false });
  if (!stat?.isFile() || stat.size !== file.size || stat.mtimeMs !== file.mtimeMs) return undefined;
  const hash = createHash('sha256').update(`${file.size}\n`);
  const page = Buffer.alloc(SAMPLE_BYTES);
  let fd: number;
  try {
    fd = openSync(file.source, 'r');
  } catch {
    return undefined;
  }
  try {
    for (const at of [Math.floor(file.size / 2), Math.max(0, file.size - SAMPLE_BYTES)]) {
      hash.update(page.subarray(0, readSync(fd, page, 0, SAMPLE_BYTES, at)));
    }
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

/**
 * Of the new large files of a push (`added`), the ones whose bytes the platform may well hold
 * already, so worth hashing before they are sent: one of the size of a file this copy's hash cache
 * knows and that is gone from its path (renamed or moved, most likely), and one whose sample
 * matches a file of its size that a local copy's cache knows (copied from another volume, or
 * within this one) or another of `added` (the same file twice). A few pages read per file, where
 * hashing first costs a second read of the whole and sending it again costs far more.
 */
export function likelyHeld(added: readonly LocalFile[], known: readonly KnownFile[]): Set<LocalFile> {
  const sizes = new Set(added.map((f) => f.size));
  const knownBySize = new Map<number, KnownFile[]>();
  for (const file of known) {
    if (!sizes.has(file.size)) continue;
    const same = knownBySize.get(file.size) ?? [];
    if (same.length === 0) knownBySize.set(file.size, same);
    same.push(file);
  }
  const moved = new Set<number>();
  // sample -> the file it came from: a known file (held by the platform, most likely), or one of `added`.
  const sampled = new Map<string, KnownFile | LocalFile>();
  for (const [size, files] of knownBySize) {
    for (const file of files.slice(0, SAMPLED_PER_SIZE)) {
      const sample = sampleOf(file);
      if (sample !== undefined) sampled.set(sample, file);
      else if (file.here && !existsSync(file.source)) moved.add(size);
    }
  }
  const held = new Set<LocalFile>();
  for (const file of added) {
    if (moved.has(file.size)) {
      held.add(file);
      continue;
    }
    const sample = sampleOf(file);
    if (sample === undefined) continue;
    const twin = sampled.get(sample);
    if (twin === undefined) {
      sampled.set(sample, file);
      continue;
    }
    held.add(file);
    // Both copies of one new file are hashed first, so that blobs:missing has the platform take it once.
    if (!('here' in twin)) held.add(twin);
  }
  return held;
}
