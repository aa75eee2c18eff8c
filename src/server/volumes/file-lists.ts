import { Readable } from 'node:stream';
import { EveraiError } from '../../contract/errors';
import { canonicalFileList, type VolumeFile } from '../../contract/volume-file';
import type { BlobStore } from '../blobs/blob-store';

/**
 * Lists read again and again (a pull, then the requests that download its files) stay parsed; they
 * never change. Bounded by their size, not their number: parsed, a list takes about 1.4 times its
 * JSON in heap (10,000 files: 1.36 MB of JSON, 1.91 MB parsed). Bounded at 64 lists, each pull of
 * a new revision of 10,000 files left the server's heap 1.9 MB larger, toward some 120 MB; bounded
 * so, it stopped 10 MB up. The list read last stays, however large, so that a pull's downloads do
 * not parse it again each.
 */
const CACHED_LIST_BYTES = 8 * 1024 * 1024;

/** Revision file lists, kept as JSON blobs in the blob store and named by their digest. */
export class FileLists {
  /** Parsed lists with their JSON's size, the list read last at the end. */
  private readonly parsed = new Map<string, { files: VolumeFile[]; bytes: number }>();
  private parsedBytes = 0;

  constructor(private readonly blobs: BlobStore) {}

  async write(files: readonly VolumeFile[]): Promise<string> {
    const { bytes, digest } = canonicalFileList(files);
    await this.blobs.write(Readable.from([bytes]), digest);
    return digest;
  }

  async read(digest: string): Promise<VolumeFile[]> {
    const known = this.parsed.get(digest);
    if (known) {
      this.parsed.delete(digest);
      this.parsed.set(digest, known);
      return known.files;
    }
    const { files, bytes } = await this.load(digest);
    // Another read may have parsed it meanwhile.
    const again = this.parsed.get(digest);
    if (again) return again.files;
    this.parsed.set(digest, { files, bytes });
    this.parsedBytes += bytes;
    for (const [oldest, list] of this.parsed) {
      if (this.parsedBytes <= CACHED_LIST_BYTES || oldest === digest) break;
      this.parsed.delete(oldest);
      this.parsedBytes -= list.bytes;
    }
    return files;
  }

  /** Reads a list without keeping it parsed: the blob collector reads each of them once. */
  async readOnce(digest: string): Promise<VolumeFile[]> {
    return this.parsed.get(digest)?.files ?? (await this.load(digest)).files;
  }

  private async load(digest: string): Promise<{ files: VolumeFile[]; bytes: number }> {
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of this.blobs.read(digest) as AsyncIterable<Buffer>) chunks.push(chunk);
    } catch {
      throw new EveraiError('EVERAI_INTERNAL', `the file list ${digest} is missing from the blob store`);
    }
    const json = Buffer.concat(chunks);
    return { files: JSON.parse(json.toString('utf8')) as VolumeFile[], bytes: json.length };
  }
}
