import { buffer } from 'node:stream/consumers';
import type { BlobStore } from '../blobs/blob-store';
import type { ImageStore } from '../store/store';
import { parseManifest } from './manifest-parse';

/**
 * Which blobs a repository holds. Blobs are stored once for the whole platform, but a client
 * reads one only through a repository it was pushed or mounted into, or that a manifest of the
 * repository names: knowing a digest of another user's layer is not enough to read it.
 */
export class RepositoryBlobs {
  constructor(
    private readonly images: ImageStore,
    private readonly blobs: BlobStore,
  ) {}

  link(repository: string, digest: string): Promise<void> {
    return this.images.linkBlob(repository, digest);
  }

  async holds(repository: string, digest: string): Promise<boolean> {
    if (!(await this.blobs.has(digest))) return false;
    if (await this.images.hasBlob(repository, digest)) return true;
    // Pushed before blobs were linked to repositories: what the repository's manifests name.
    for (const manifest of await this.images.manifestsOf(repository)) {
      if (manifest === digest || (await this.named(manifest)).includes(digest)) {
        await this.link(repository, digest);
        return true;
      }
    }
    return false;
  }

  private async named(manifestDigest: string): Promise<string[]> {
    try {
      const parsed = parseManifest(await buffer(this.blobs.read(manifestDigest)), undefined);
      return parsed.kind === 'image' ? [parsed.manifest.config.digest, ...parsed.manifest.layers.map((l) => l.digest)] : [];
    } catch {
      // It was checked when pushed; one that no longer parses names nothing we can vouch for.
      return [];
    }
  }
}
