import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { promisify } from 'node:util';
import { EveraiError } from '../../../contract/errors';
import type { BlobStore } from '../../blobs/blob-store';
import { BuiltDirs } from './built-dirs';
import { applyLayerOnThread } from './layer-thread';

export interface UnpackableImage {
  digest: string;
  layers: { digest: string; mediaType: string }[];
}

const execFileAsync = promisify(execFile);

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

  /** Applies one layer (image spec, "Applying Changesets"): gzip or plain tar, in entry order, on the layer thread. */
  private async applyLayer(root: string, layer: { digest: string; mediaType: string }): Promise<void> {
    if (layer.mediaType.includes('zstd')) {
      throw new EveraiError('EVERAI_BAD_REQUEST', `layer ${layer.digest} is zstd-compressed (${layer.mediaType}); only gzip and plain tar layers are supported`);
    }
    if (!(await this.blobs.has(layer.digest))) {
      throw new EveraiError('EVERAI_IMAGE_NOT_FOUND', `layer ${layer.digest} is missing from the blob store`);
    }
    const blobPath = this.blobs.localPath(layer.digest);
    if (!blobPath) throw new Error(`the blob store cannot unpack ${layer.digest}: it holds no local file for it`);
    await applyLayerOnThread({ root, blobPath, gzip: layer.mediaType.includes('gzip') });
  }
}
