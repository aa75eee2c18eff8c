import { Readable } from 'node:stream';
import { EveraiError } from '../../contract/errors';
import { canonicalFileList, type VolumeFile } from '../../contract/volume-file';
import type { BlobStore } from '../blobs/blob-store';

/** Lists read again and again (a pull, then its file downloads) stay parsed; they never change. */
const CACHED_LISTS = 64;

/** Revision file lists, kept as JSON blobs in the blob store and named by their digest. */
export class FileLists {
  private readonly parsed = new Map<string, VolumeFile[]>();

  constructor(private readonly blobs: BlobStore) {}

  async write(files: readonly VolumeFile[]): Promise<string> {
    const { bytes, digest } = canonicalFileList(files);
    await this.blobs.write(Readable.from([bytes]), digest);
    return digest;
  }

  async read(digest: string): Promise<VolumeFile[]> {
    const known = this.parsed.get(digest);
    if (known) return known;
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of this.blobs.read(digest) as AsyncIterable<Buffer>) chunks.push(chunk);
    } catch {
      throw new EveraiError('EVERAI_INTERNAL', `the file list ${digest} is missing from the blob store`);
    }
    const files = JSON.parse(Buffer.concat(chunks).toString('utf8')) as VolumeFile[];
    if (this.parsed.size >= CACHED_LISTS) this.parsed.delete(this.parsed.keys().next().value as string);
    this.parsed.set(digest, files);
    return files;
  }
}
