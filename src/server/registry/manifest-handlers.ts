import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { isTag } from '../../contract/image-ref';
import { MANIFEST_SIZE_LIMIT } from '../../contract/oci';
import { nowIso } from '../../contract/time';
import type { BlobStore } from '../blobs/blob-store';
import { isDigest } from '../blobs/digest';
import { sendJson } from '../http/respond';
import type { Store } from '../store/store';
import { readBounded } from './bounded-read';
import { parseManifest, type ParsedManifest } from './manifest-parse';
import { sendEmpty, type RegistryCall } from './registry-call';
import { RegistryError } from './registry-errors';
import type { RepositoryAccess } from './repository-access';
import type { RepositoryBlobs } from './repository-blobs';

/** Distribution spec, "Pulling manifests", "Pushing manifests" and "Listing tags". */
export class ManifestHandlers {
  constructor(
    private readonly store: Store,
    private readonly blobs: BlobStore,
    private readonly access: RepositoryAccess,
    private readonly held: RepositoryBlobs,
  ) {}

  async fetch(call: RegistryCall, reference: string): Promise<void> {
    const { req, res, user, repository } = call;
    await this.access.requireRead(user, repository);
    const digest = isDigest(reference) ? reference : (await this.store.images.tag(repository, reference))?.digest;
    const record = digest === undefined ? undefined : await this.store.images.manifest(repository, digest);
    if (!record) throw new RegistryError('MANIFEST_UNKNOWN', `manifest '${reference}' is not in repository '${repository}'`);
    res.writeHead(200, {
      'content-type': record.mediaType,
      'content-length': String(record.size),
      'docker-content-digest': record.digest,
      etag: `"${record.digest}"`,
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    await pipeline(this.blobs.read(record.digest), res, { signal: call.signal });
  }

  async put(call: RegistryCall, reference: string): Promise<void> {
    const { req, res, user, repository } = call;
    const byDigest = isDigest(reference);
    if (!byDigest && !isTag(reference)) {
      throw new RegistryError('MANIFEST_INVALID', `'${reference}' is neither a tag nor a sha256 digest`);
    }
    await this.access.requireWrite(user, repository);
    const bytes = await readBounded(req, MANIFEST_SIZE_LIMIT, 'the manifest');
    const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    if (byDigest && digest !== reference) {
      throw new RegistryError('DIGEST_INVALID', `the manifest hashes to ${digest}, not ${reference}`);
    }
    const manifest = parseManifest(bytes, req.headers['content-type']);
    await this.requireReferences(repository, manifest);
    await this.blobs.write(Readable.from([bytes]), digest);
    await this.store.transaction(async (tx) => {
      const createdAt = nowIso();
      await tx.images.putManifest({ repository, digest, mediaType: manifest.mediaType, size: bytes.length, createdAt });
      if (!byDigest) await tx.images.setTag({ repository, tag: reference, digest, updatedAt: createdAt });
    });
    sendEmpty(res, 201, { location: `/v2/${repository}/manifests/${digest}`, 'docker-content-digest': digest });
  }

  /** `?n=` and `?last=` page through the tags in lexical order (distribution spec, "Listing Tags"). */
  async tags(call: RegistryCall): Promise<void> {
    const { res, url, user, repository } = call;
    await this.access.requireRead(user, repository);
    const last = url.searchParams.get('last');
    const n = url.searchParams.get('n');
    let tags = (await this.store.images.tags(repository)).filter((tag) => last === null || tag > last);
    const headers: Record<string, string> = {};
    if (n !== null && /^\d+$/.test(n) && tags.length > Number(n)) {
      tags = tags.slice(0, Number(n));
      const next = encodeURIComponent(tags[tags.length - 1] ?? '');
      headers.link = `</v2/${repository}/tags/list?n=${n}&last=${next}>; rel="next"`;
    }
    sendJson(res, 200, { name: repository, tags }, headers);
  }

  /** Distribution spec: a manifest may only name content the registry holds (MANIFEST_BLOB_UNKNOWN). */
  private async requireReferences(repository: string, parsed: ParsedManifest): Promise<void> {
    if (parsed.kind === 'image') {
      const { config, layers } = parsed.manifest;
      // Layers with `urls` are non-distributable: clients fetch them elsewhere.
      for (const blob of [config, ...layers.filter((layer) => !layer.urls?.length)]) {
        if (!isDigest(blob.digest) || !(await this.held.holds(repository, blob.digest))) {
          throw new RegistryError('MANIFEST_BLOB_UNKNOWN', `the manifest names blob ${blob.digest}, which was not pushed to '${repository}'`);
        }
      }
      return;
    }
    for (const child of parsed.index.manifests) {
      if (!isDigest(child.digest) || !(await this.store.images.manifest(repository, child.digest))) {
        throw new RegistryError('MANIFEST_BLOB_UNKNOWN', `the index names manifest ${child.digest}, which was not pushed to '${repository}'`);
      }
    }
  }
}
