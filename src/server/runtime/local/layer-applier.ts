import { createReadStream, linkSync, lstatSync, mkdirSync, readdirSync, readlinkSync, rmSync, chmodSync, symlinkSync, type Stats } from 'node:fs';
import { join, posix } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { extract as tarExtract } from 'tar-stream';
import { EveraiError } from '../../../contract/errors';
import { writeNewFile } from './small-folio-file';
import { tarFileEntries, type TarEntry } from './tar-file-reader';

/**
 * Applies one image layer to a tree (image spec, "Applying Changesets"), for the layer worker
 * thread (layer-worker.ts): its writes and file-system changes are synchronous calls, which cost a
 * syscall each where the thread pool costs a hand-off and a promise each (some 16,000 writes per GiB
 * unpacked), and must never run on the server's main thread, which serves the gateway. Only a gzip
 * layer's blob is still read as a stream.
 */

/** OCI image spec, "Whiteouts". */
const WHITEOUT = '.wh.';
const OPAQUE_WHITEOUT = '.wh..wh..opq';
/** Like the kernel's limit on symlinks followed in one lookup. */
const MAX_LINK_HOPS = 40;
/** A gzip blob's reads: few syscalls. */
const READ_CHUNK = 1024 * 1024;

function refuse(entry: string, why: string): EveraiError {
  return new EveraiError('EVERAI_BAD_REQUEST', `image layer entry '${entry}' ${why}; refusing to unpack the image`);
}

/** What is at `path` (not following a symlink there), or undefined when nothing is. */
function lstatIfAny(path: string): Stats | undefined {
  return lstatSync(path, { throwIfNoEntry: false });
}

/**
 * An entry's path relative to the image root, never with `..`. A leading `/` means the root, as
 * tar and containerd take it (umoci writes the root itself as `/`).
 */
function entryPath(name: string): string {
  const parts = name.split('/').filter((part) => part !== '' && part !== '.');
  if (parts.includes('..')) throw refuse(name, "climbs out with '..'");
  return parts.join('/');
}

/**
 * Turns a directory path inside the root into a real path, following symlinks as if the root were
 * `/` (an absolute target restarts at the root, `..` stops at it), so no write lands outside.
 * Missing directories are created when `create`; otherwise undefined comes back.
 */
function directoryInRoot(root: string, relative: string, create: boolean): string | undefined {
  const done: string[] = [];
  const pending = relative.split('/');
  let hops = 0;
  while (pending.length > 0) {
    const part = pending.shift() as string;
    if (part === '' || part === '.') continue;
    if (part === '..') {
      done.pop();
      continue;
    }
    const here = join(root, ...done, part);
    const stat = lstatIfAny(here);
    if (stat?.isSymbolicLink()) {
      if (++hops > MAX_LINK_HOPS) throw refuse(relative, 'goes through too many symlinks');
      const target = readlinkSync(here);
      if (target.startsWith('/')) done.length = 0;
      pending.unshift(...target.split('/'));
      continue;
    }
    if (!stat?.isDirectory()) {
      if (!create) return undefined;
      // A lower layer's file where this layer wants a directory: the newer layer wins.
      if (stat) rmSync(here, { force: true });
      mkdirSync(here, { mode: 0o755 });
    }
    done.push(part);
  }
  return join(root, ...done);
}

/**
 * A symlink's target, kept inside the image: an absolute target means the image root (workers
 * are not chrooted, so it is rewritten as a relative one), a relative one may not climb above it.
 */
function confinedLinkTarget(path: string, target: string): string {
  const dir = posix.dirname(path);
  if (target.startsWith('/')) return posix.relative(dir, posix.normalize(target).slice(1)) || '.';
  const landing = posix.normalize(posix.join(dir, target));
  if (landing === '..' || landing.startsWith('../')) throw refuse(path, `links to '${target}', outside the image`);
  return target;
}

/** Removes what a lower layer left at `path` (the newer entry replaces it), except a directory kept as one. */
function clearFor(path: string, keepDirectory: boolean): void {
  const stat = lstatIfAny(path);
  if (!stat || (keepDirectory && stat.isDirectory())) return;
  rmSync(path, { recursive: true, force: true });
}

/**
 * Applies the layer in the tar (gzip-compressed when `gzip`) at `blobPath` to the tree at `root`, in
 * entry order: a plain tar read at offsets into one reused buffer, a gzip one through tar-stream.
 */
export async function applyLayerFile(root: string, blobPath: string, gzip: boolean): Promise<void> {
  const created = new Set<string>();
  if (!gzip) {
    for (const entry of tarFileEntries(blobPath)) await applyEntry(root, entry, entry.body, created);
    return;
  }
  const source = createReadStream(blobPath, { highWaterMark: READ_CHUNK });
  const extract = tarExtract();
  const feeding = pipeline(source, createGunzip(), extract);
  const applying = (async () => {
    for await (const entry of extract) {
      const { name, type = 'file', mode = 0o644, linkname } = entry.header;
      await applyEntry(root, { name, type, mode, linkname: linkname ?? '' }, entry, created);
      entry.resume();
    }
  })();
  // The entry's error says more than the broken pipe it causes, so it goes first.
  const [fed, applied] = await Promise.allSettled([feeding, applying]);
  if (applied.status === 'rejected') throw applied.reason;
  if (fed.status === 'rejected') throw fed.reason;
}

/** `created`: what this layer made so far, which its own opaque whiteouts must not remove. */
async function applyEntry(root: string, header: Omit<TarEntry, 'body'>, body: AsyncIterable<unknown> | Iterable<unknown>, created: Set<string>): Promise<void> {
  const path = entryPath(header.name);
  if (path === '') return;
  const dir = posix.dirname(path) === '.' ? '' : posix.dirname(path);
  const base = posix.basename(path);

  if (base === OPAQUE_WHITEOUT) {
    const real = directoryInRoot(root, dir, false);
    if (!real) return;
    for (const name of readdirSync(real)) {
      if (!created.has(posix.join(dir, name))) rmSync(join(real, name), { recursive: true, force: true });
    }
    return;
  }
  if (base.startsWith(WHITEOUT)) {
    const real = directoryInRoot(root, dir, false);
    if (real) rmSync(join(real, base.slice(WHITEOUT.length)), { recursive: true, force: true });
    return;
  }

  const parent = directoryInRoot(root, dir, true) as string;
  const target = join(parent, base);
  // Set-id bits are dropped: the tree is run by an ordinary user, never installed as root.
  const mode = header.mode & 0o777;
  switch (header.type) {
    case 'directory':
      clearFor(target, true);
      mkdirSync(target, { recursive: true });
      // Owner-writable so that later layers can add to it.
      chmodSync(target, mode | 0o700);
      break;
    case 'file':
    case 'contiguous-file':
      clearFor(target, false);
      await writeNewFile(target, body, mode);
      chmodSync(target, mode);
      break;
    case 'symlink':
      clearFor(target, false);
      symlinkSync(confinedLinkTarget(path, header.linkname), target);
      break;
    case 'link': {
      const source = entryPath(header.linkname);
      const sourceDir = directoryInRoot(root, posix.dirname(source), false);
      const sourcePath = sourceDir && join(sourceDir, posix.basename(source));
      if (!sourcePath || !lstatIfAny(sourcePath)?.isFile()) {
        throw refuse(path, `is a hard link to '${header.linkname}', which is not a file of the image`);
      }
      clearFor(target, false);
      linkSync(sourcePath, target);
      break;
    }
    default:
      // Devices and FIFOs: an unprivileged worker can neither create nor need them.
      return;
  }
  created.add(path);
}
