import { promises as fs, readdirSync, realpathSync, statSync, type Dirent, type Stats } from 'node:fs';
import { relative, sep } from 'node:path';
import { EveraiError } from '../../contract/errors';
import { quotePath, volumePathProblem } from '../../contract/volume-file';
import { forEachYielding } from './parallel';

/** A file of a local volume copy, as a push sees it. */
export interface LocalFile {
  /** Its volume path: relative, '/' between folders. */
  path: string;
  /** What to read: the file itself, or the file inside the volume that a link at `path` points to. */
  source: string;
  /** Whether `path` is such a link. */
  link: boolean;
  size: number;
  mtimeMs: number;
  mode: number;
}

/** The platform keeps only whether a file is executable: 0o755, else 0o644. */
export function modeOf(statMode: number): number {
  return statMode & 0o111 ? 0o755 : 0o644;
}

function refuse(path: string, why: string): EveraiError {
  return new EveraiError('EVERAI_BAD_REQUEST', `cannot push ${quotePath(path)}: ${why}`);
}

function inside(root: string, target: string): boolean {
  return target === root || target.startsWith(root + sep);
}

/**
 * Every entry under `dir`, depth first, without following links; folders come before their
 * content. Each folder is read synchronously: a folder's names come in microseconds, where a
 * promise per folder and per entry took 90 ms for 10,000 files in 100 folders (12 ms so), and
 * every unchanged push and up-to-date pull starts with this walk.
 */
export function* walk(dir: string, prefix = ''): Generator<{ path: string; abs: string; entry: Dirent }> {
  const entries = readdirSync(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const path = prefix ? `${prefix}/${entry.name}` : entry.name;
    const abs = `${dir}/${entry.name}`;
    yield { path, abs, entry };
    if (entry.isDirectory()) yield* walk(abs, path);
  }
}

/** One entry of the walk as a LocalFile: a link is followed, and refused unless it names a file inside `root`. */
function localFile(root: string, path: string, abs: string, entry: Dirent): LocalFile {
  let source = abs;
  let stat: Stats;
  if (entry.isSymbolicLink()) {
    let target: string;
    try {
      target = realpathSync(abs);
    } catch {
      throw refuse(path, 'it is a symbolic link to nothing');
    }
    if (!inside(root, target)) {
      throw refuse(path, `it is a symbolic link to ${target}, outside the volume; replace it with the file itself`);
    }
    stat = statSync(target);
    if (!stat.isFile()) throw refuse(path, `it is a symbolic link to the folder ${relative(root, target) || '.'}; only links to files are pushed`);
    source = target;
  } else if (entry.isFile()) {
    stat = statSync(abs);
  } else {
    throw refuse(path, 'it is not a regular file (a socket, pipe or device)');
  }
  return { path, source, link: source !== abs, size: stat.size, mtimeMs: stat.mtimeMs, mode: modeOf(stat.mode) };
}

/**
 * The files of a local copy, in walk order. A link to a file inside the volume is pushed as that
 * file (model caches link their snapshots to shared blobs); a link that leaves the volume, dangles
 * or names a folder is refused before any byte is read, as are sockets, pipes and devices.
 */
export async function listLocalFiles(dir: string): Promise<LocalFile[]> {
  const root = await fs.realpath(dir);
  const entries: { path: string; abs: string; entry: Dirent }[] = [];
  for (const found of walk(dir)) {
    if (found.entry.isDirectory()) continue;
    const problem = volumePathProblem(found.path);
    if (problem) throw refuse(found.path, `the path ${problem}`);
    entries.push(found);
  }
  const files: LocalFile[] = new Array<LocalFile>(entries.length);
  await forEachYielding(entries, ({ path, abs, entry }, index) => {
    files[index] = localFile(root, path, abs, entry);
  });
  return files;
}
