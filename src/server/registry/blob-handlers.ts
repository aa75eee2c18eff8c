import type { BlobStore } from '../blobs/blob-store';
import { isDigest } from '../blobs/digest';
import { sendEmpty, type RegistryCall } from './registry-call';
import { RegistryError } from './registry-errors';
import type { RepositoryAccess } from './repository-access';
import type { RepositoryBlobs } from './repository-blobs';

/** `bytes=START-END` or `bytes=START-` (RFC 9110 §14.1.2); one range only, else undefined. */
function parseRange(header: string | undefined, size: number): { start: number; end: number } | 'unsatisfiable' | undefined {
  const match = header ? /^bytes=(\d+)-(\d*)$/.exec(header.trim()) : null;
  if (!match) return undefined;
  const start = Number(match[1]);
  const end = match[2] ? Math.min(Number(match[2]), size - 1) : size - 1;
  if (start >= size || end < start) return 'unsatisfiable';
  return { start, end };
}

export function requireDigest(value: string): string {
  // Only sha256 is stored (OCI image spec, "Registered algorithms"); anything else cannot exist here.
  if (!isDigest(value)) throw new RegistryError('DIGEST_INVALID', `'${value}' is not a sha256:<64 hex> digest`);
  return value;
}

/** Distribution spec, "Pulling blobs" and "Checking if content exists in the registry". */
export class BlobHandlers {
  constructor(
    private readonly blobs: BlobStore,
    private readonly access: RepositoryAccess,
    private readonly held: RepositoryBlobs,
  ) {}

  async fetch(call: RegistryCall, reference: string): Promise<void> {
    const { req, res, user, repository } = call;
    await this.access.requireRead(user, repository);
    const digest = requireDigest(reference);
    const size = (await this.held.holds(repository, digest)) ? await this.blobs.size(digest) : undefined;
    if (size === undefined) throw new RegistryError('BLOB_UNKNOWN', `blob ${digest} is not in the registry`);
    const headers = {
      'content-type': 'application/octet-stream',
      'docker-content-digest': digest,
      'accept-ranges': 'bytes',
      // Content-addressed: the bytes behind a digest never change.
      'cache-control': 'max-age=31536000, immutable',
    };
    if (req.method === 'HEAD') {
      res.writeHead(200, { ...headers, 'content-length': String(size) });
      res.end();
      return;
    }
    const range = parseRange(req.headers.range, size);
    if (range === 'unsatisfiable') {
      sendEmpty(res, 416, { 'content-range': `bytes */${size}` });
      return;
    }
    if (range) {
      res.writeHead(206, {
        ...headers,
        'content-length': String(range.end - range.start + 1),
        'content-range': `bytes ${range.start}-${range.end}/${size}`,
      });
    } else {
      res.writeHead(200, { ...headers, 'content-length': String(size) });
    }
    await this.blobs.send(digest, range ?? { start: 0, end: size - 1 }, res);
    res.end();
  }
}
