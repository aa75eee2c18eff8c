import type { VolumeFile } from '../../contract/volume-file';
import { byPath } from '../../contract/volume-file';

export type MergeOutcome = { files: VolumeFile[] } | { conflict: string };

function same(a: VolumeFile | undefined, b: VolumeFile | undefined): boolean {
  return a === undefined || b === undefined ? a === b : a.digest === b.digest && a.mode === b.mode;
}

/**
 * A push made from `base` onto a volume that has moved on to `current`: every path keeps the side
 * that changed it since `base` (added, changed or deleted). A path both sides changed, to
 * different results, is a conflict: nobody's change is dropped in silence.
 */
export function mergeFileLists(base: readonly VolumeFile[], current: readonly VolumeFile[], pushed: readonly VolumeFile[]): MergeOutcome {
  const index = (files: readonly VolumeFile[]) => new Map(files.map((f) => [f.path, f]));
  const [b, c, p] = [index(base), index(current), index(pushed)];
  const merged: VolumeFile[] = [];
  for (const path of new Set([...b.keys(), ...c.keys(), ...p.keys()])) {
    const [was, theirs, ours] = [b.get(path), c.get(path), p.get(path)];
    let kept: VolumeFile | undefined;
    if (same(ours, was) || same(ours, theirs)) kept = theirs;
    else if (same(theirs, was)) kept = ours;
    else return { conflict: path };
    if (kept) merged.push(kept);
  }
  return { files: merged.sort(byPath) };
}
