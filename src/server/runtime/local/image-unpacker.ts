import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { promisify } from 'node:util';
import { join, posix } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { extract as tarExtract, type Header as TarHeader } from 'tar-stream';
import { EveraiError } from '../../../contract/errors';
import type { BlobStore } from '../../blobs/blob-store';
import { BuiltDirs } from './built-dirs';
import { writeNewFile } from './small-folio-file';
import { ifExists } from '../../../contract/if-exists';

export interface UnpackableImage {
  digest: string;
  layers: { digest: string; mediaType: string }[];
}

/** OCI image spec, "Whiteouts". */
const WHITEOUT = '.wh.';
const OPAQUE_WHITEOUT = '.wh..wh..opq';
/** Like the kernel's limit on symlinks followed in one lookup. */
const MAX_LINK_HOPS = 40;
const execFileAsync = promisify(execFile);

function refuse(entry: string, why: string): EveraiError {
  return new EveraiError('EVERAI_BAD_REQUEST', `image layer entry '${entry}' ${why}; refusing to unpack the image`);
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
async function directoryInRoot(root: string, relative: string, create: boolean): Promise<string | undefined> {
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
    const stat = await ifExists(fs.lstat(here));
    if (stat?.isSymbolicLink()) {
      if (++hops > MAX_LINK_HOPS) throw refuse(relative, 'goes through too many symlinks');
      const target = await fs.readlink(here);
      if (target.startsWith('/')) done.length = 0;
      pending.unshift(...target.split('/'));
      continue;
    }
    if (!stat?.isDirectory()) {
      if (!create) return undefined;
      // A lower layer's file where this layer wants a directory: the newer layer wins.
      if (stat) await fs.rm(here, { force: true });
      await fs.mkdir(here, { mode: 0o755 });
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
async function clearFor(path: string, keepDirectory: boolean): Promise<void> {
  const stat = await ifExists(fs.lstat(path));
  if (!stat || (keepDirectory && stat.isDirectory())) return;
  await fs.rm(path, { recursive: true, force: true });
}

/** The cache folder of a chain of layers: images that share their lower layers share its trees. */
export function chainKey(layers: readonly { digest: string }[]): string {
  return createHash('sha256')
    .update(layers.map((layer) => layer.digest).join('\n'))
    .digest('hex');
}

/** A copy of a tree whose files are hard links: no byte copied, and no file of the tree is ever written in place. */
async function linkTree(source: string, target: string): Promise<void> {
  await execFileAsync('cp', ['-a', '--link', `${source}/.`, target]);
}

/** The chain keys of the image's tree and of each lower tree it is built from, lowest first. */
function chainKeys(layers: readonly { digest: string }[]): string[] {
  if (layers.length === 0) return [chainKey(layers)];
  return layers.map((_, i) => chainKey(layers.slice(0, i + 1)));
}

/**
 * Unpacks images into root filesystems under `cacheDir/<chain key>`, once per chain of layers
 * (BuiltDirs: shared by concurrent callers, reused by a later server start, never half-built).
 * An image's tree is its lower layers' tree, hard-linked, with its top layer applied: every image
 * on the same base (the node base and SDK runtime of `everai image build`, some 120 MiB) unpacks
 * only its own top layer, and its workers share the base's files in the page cache. Applying a
 * layer never writes a file in place (a changed file is removed and made anew), so the links stay
 * what the lower tree holds.
 *
 * A worker holds its image's tree and the lower ones (`hold`): they cost little beside it (their
 * files are its files), and the next image on the same base then unpacks only its top layer.
 */
export class ImageUnpacker {
  private readonly dirs: BuiltDirs;

  constructor(
    private readonly blobs: BlobStore,
    cacheDir: string,
  ) {
    this.dirs = new BuiltDirs(cacheDir, 1);
  }

  /** The directory holding the image's root filesystem. */
  ensureUnpacked(image: UnpackableImage): Promise<string> {
    return this.ensureChain(image.layers);
  }

  /** Keeps the trees of the image with these layers from `removeUnused` until the returned release is called. */
  hold(layers: readonly { digest: string }[]): () => void {
    const releases = chainKeys(layers).map((key) => this.dirs.hold(key));
    return () => releases.forEach((release) => release());
  }

  /** Removes the trees no worker holds and none asked for since `before` (ms since the epoch); returns their paths. */
  removeUnused(before: number): Promise<string[]> {
    return this.dirs.removeUnused(before);
  }

  private ensureChain(layers: UnpackableImage['layers']): Promise<string> {
    return this.dirs.ensure(chainKey(layers), async (temp) => {
      await fs.chmod(temp, 0o755);
      const top = layers.at(-1);
      if (!top) return;
      if (layers.length > 1) {
        const lower = layers.slice(0, -1);
        // Held while its files are linked from: a sweep must not take it half way.
        const release = this.dirs.hold(chainKey(lower));
        try {
          await linkTree(await this.ensureChain(lower), temp);
        } finally {
          release();
        }
      }
      await this.applyLayer(temp, top);
    });
  }

  /** Applies one layer (image spec, "Applying Changesets"): gzip or plain tar, in entry order. */
  private async applyLayer(root: string, layer: { digest: string; mediaType: string }): Promise<void> {
    if (layer.mediaType.includes('zstd')) {
      throw new EveraiError('EVERAI_BAD_REQUEST', `layer ${layer.digest} is zstd-compressed (${layer.mediaType}); only gzip and plain tar layers are supported`);
    }
    if (!(await this.blobs.has(layer.digest))) {
      throw new EveraiError('EVERAI_IMAGE_NOT_FOUND', `layer ${layer.digest} is missing from the blob store`);
    }
    const source = this.blobs.read(layer.digest);
    const extract = tarExtract();
    const feeding = layer.mediaType.includes('gzip') ? pipeline(source, createGunzip(), extract) : pipeline(source, extract);
    const applying = (async () => {
      const created = new Set<string>();
      for await (const entry of extract) {
        await applyEntry(root, entry.header, entry, created);
        entry.resume();
      }
    })();
    // The entry's error says more than the broken pipe it causes, so it goes first.
    const [fed, applied] = await Promise.allSettled([feeding, applying]);
    if (applied.status === 'rejected') throw applied.reason;
    if (fed.status === 'rejected') throw fed.reason;
  }
}

/** `created`: what this layer made so far, which its own opaque whiteouts must not remove. */
async function applyEntry(root: string, header: TarHeader, body: AsyncIterable<unknown>, created: Set<string>): Promise<void> {
  const path = entryPath(header.name);
  if (path === '') return;
  const dir = posix.dirname(path) === '.' ? '' : posix.dirname(path);
  const base = posix.basename(path);

  if (base === OPAQUE_WHITEOUT) {
    const real = await directoryInRoot(root, dir, false);
    if (!real) return;
    for (const name of await fs.readdir(real)) {
      if (!created.has(posix.join(dir, name))) await fs.rm(join(real, name), { recursive: true, force: true });
    }
    return;
  }
  if (base.startsWith(WHITEOUT)) {
    const real = await directoryInRoot(root, dir, false);
    if (real) await fs.rm(join(real, base.slice(WHITEOUT.length)), { recursive: true, force: true });
    return;
  }

  const parent = (await directoryInRoot(root, dir, true)) as string;
  const target = join(parent, base);
  // Set-id bits are dropped: the tree is run by an ordinary user, never installed as root.
  const mode = header.mode & 0o777;
  switch (header.type) {
    case 'directory':
      await clearFor(target, true);
      await fs.mkdir(target, { recursive: true });
      // Owner-writable so that later layers can add to it.
      await fs.chmod(target, mode | 0o700);
      break;
    case 'file':
    case 'contiguous-file':
      await clearFor(target, false);
      await writeNewFile(target, body, mode);
      await fs.chmod(target, mode);
      break;
    case 'symlink':
      await clearFor(target, false);
      await fs.symlink(confinedLinkTarget(path, header.linkname), target);
      break;
    case 'link': {
      const source = entryPath(header.linkname);
      const sourceDir = await directoryInRoot(root, posix.dirname(source), false);
      const sourcePath = sourceDir && join(sourceDir, posix.basename(source));
      if (!sourcePath || !(await ifExists(fs.lstat(sourcePath)))?.isFile()) {
        throw refuse(path, `is a hard link to '${header.linkname}', which is not a file of the image`);
      }
      await clearFor(target, false);
      await fs.link(sourcePath, target);
      break;
    }
    default:
      // Devices and FIFOs: an unprivileged worker can neither create nor need them.
      return;
  }
  created.add(path);
}
