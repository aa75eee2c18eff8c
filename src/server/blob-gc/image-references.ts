import type { BlobStore } from '../blobs/blob-store';
import type { Store } from '../store/store';

/** The digests a manifest or an index names: its config, layers or child manifests (OCI image spec). */
function descriptorDigests(manifest: unknown): string[] {
  const doc = manifest as { config?: { digest?: unknown }; layers?: { digest?: unknown }[]; manifests?: { digest?: unknown }[] };
  return [doc.config, ...(doc.layers ?? []), ...(doc.manifests ?? [])]
    .map((descriptor) => descriptor?.digest)
    .filter((digest): digest is string => typeof digest === 'string');
}

/**
 * The blobs images keep: every stored manifest and what it names. A manifest never changes, so
 * what it names is read once per server run.
 */
export class ImageReferences {
  private readonly named = new Map<string, string[]>();

  constructor(
    private readonly store: Store,
    private readonly blobs: BlobStore,
  ) {}

  async *digests(): AsyncIterable<string> {
    for (const manifest of await this.store.images.manifestDigests()) {
      yield manifest;
      yield* await this.namedBy(manifest);
    }
  }

  private async namedBy(manifest: string): Promise<string[]> {
    let digests = this.named.get(manifest);
    if (!digests) {
      const chunks: Buffer[] = [];
      for await (const chunk of this.blobs.read(manifest) as AsyncIterable<Buffer>) chunks.push(chunk);
      digests = descriptorDigests(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      this.named.set(manifest, digests);
    }
    return digests;
  }
}
