import { createHash } from 'node:crypto';
import type { z } from 'zod';
import { EveraiError } from './errors';
import type { volumeFileSchema } from './volume-view-schemas';

/**
 * One file of a volume revision (docs/volumes.md): where it sits in the volume, the blob that holds its
 * bytes, and its permission bits. A revision's files are sorted by path.
 */
export type VolumeFile = z.infer<typeof volumeFileSchema>;

/** Linux's limits (PATH_MAX, NAME_MAX): a longer path could not be written back anywhere. */
const MAX_PATH_BYTES = 4096;
const MAX_NAME_BYTES = 255;

/**
 * What is wrong with a path a volume file may not have, or undefined when it is fine. Paths are
 * confined to the volume: no absolute paths, no `..`, nothing a file system would read otherwise
 * (empty or `.` segments, backslashes, NUL and other control characters).
 */
export function volumePathProblem(path: string): string | undefined {
  if (path === '') return 'is empty';
  if (path.startsWith('/')) return 'is absolute (volume paths are relative to the volume)';
  if (path.includes('\\')) return "has a backslash (volume paths use '/' between folders)";
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(path)) return 'has a NUL or another control character';
  if (Buffer.byteLength(path) > MAX_PATH_BYTES) return `is over ${MAX_PATH_BYTES} bytes`;
  for (const segment of path.split('/')) {
    if (segment === '') return "has an empty segment ('//', or a '/' at the end)";
    if (segment === '.' || segment === '..') return `has a '${segment}' segment (paths may not leave the volume)`;
    if (Buffer.byteLength(segment) > MAX_NAME_BYTES) return `has a name over ${MAX_NAME_BYTES} bytes`;
  }
  return undefined;
}

/** JSON quoting shows a NUL or a newline as what it is, and a long path not in full. */
export function quotePath(path: string): string {
  const shown = path.length > 120 ? `${path.slice(0, 117)}...` : path;
  return JSON.stringify(shown);
}

export function checkVolumePath(path: string): string {
  const problem = volumePathProblem(path);
  if (problem) throw new EveraiError('EVERAI_BAD_REQUEST', `file path ${quotePath(path)} ${problem}`);
  return path;
}

export function byPath(a: VolumeFile, b: VolumeFile): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}

/**
 * The one serialisation of a file list: sorted by path, fields in a fixed order. Its sha256 names
 * the list in the blob store and gives the revision name its three hex digits, so the same files
 * always give the same digest.
 */
export function canonicalFileList(files: readonly VolumeFile[]): { bytes: Buffer; digest: string } {
  const sorted = [...files].sort(byPath).map(({ path, digest, size, mode }) => ({ path, digest, size, mode }));
  const bytes = Buffer.from(JSON.stringify(sorted));
  return { bytes, digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}` };
}
