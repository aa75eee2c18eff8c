import { promises as fs } from 'node:fs';
import { join, posix, relative, resolve, sep } from 'node:path';
import { EveraiError } from '../../contract/errors';

export interface ImageFile {
  /** Path inside the app folder, `/`-separated. */
  path: string;
  /** Where it is on this machine. */
  source: string;
  type: 'file' | 'directory' | 'symlink';
  /** Normalised: 0755 for directories and executables, 0644 otherwise. */
  mode: number;
  size: number;
  /** A symlink's target, relative and inside the app folder. */
  linkname?: string;
}

/** Never part of an image: VCS data, installed packages, build output (Python's bytecode too), everai's own cache. */
const ALWAYS_SKIPPED = ['.git', 'node_modules', 'dist', '__pycache__', '.everai'];
const IGNORE_FILE = '.everaiignore';

/** `.everaiignore`: one name or path per line, `*` matching within a path segment, `#` comments. */
async function ignorePatterns(dir: string): Promise<RegExp[]> {
  const text = await fs.readFile(join(dir, IGNORE_FILE), 'utf8').catch(() => '');
  return text
    .split(/\r?\n/)
    .map((line) => line.trim().replace(/^\/+|\/+$/g, ''))
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const body = line
        .split('*')
        .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
        .join('[^/]*');
      // A pattern with a slash names a path from the app folder; without, any file or folder of that name.
      return new RegExp(line.includes('/') ? `^${body}(/|$)` : `(^|/)${body}(/|$)`);
    });
}

function byPath(a: { path: string }, b: { path: string }): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}

/**
 * The app folder's files as they go into the image, sorted, with normalised modes: nothing about
 * this machine (owner, times, umask) reaches the image, so the same sources give the same layer.
 */
export async function listImageFiles(appDir: string): Promise<ImageFile[]> {
  const root = resolve(appDir);
  const ignored = await ignorePatterns(root);
  const files: ImageFile[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
      const source = join(dir, entry.name);
      const path = relative(root, source).split(sep).join('/');
      if (ALWAYS_SKIPPED.includes(entry.name) || ignored.some((pattern) => pattern.test(path))) continue;
      const stat = await fs.lstat(source);
      if (stat.isDirectory()) {
        files.push({ path, source, type: 'directory', mode: 0o755, size: 0 });
        await walk(source);
      } else if (stat.isFile()) {
        files.push({ path, source, type: 'file', mode: stat.mode & 0o111 ? 0o755 : 0o644, size: stat.size });
      } else if (stat.isSymbolicLink()) {
        const linkname = await fs.readlink(source);
        const landing = posix.normalize(posix.join(posix.dirname(path), linkname));
        if (linkname.startsWith('/') || landing === '..' || landing.startsWith('../')) {
          throw new EveraiError('EVERAI_BAD_REQUEST', `${path} links to '${linkname}', outside the app folder; an image holds only the app's own files`);
        }
        files.push({ path, source, type: 'symlink', mode: 0o777, size: 0, linkname });
      }
      // Sockets, FIFOs and devices have no place in an image.
    }
  };
  await walk(root);
  return files.sort(byPath);
}
