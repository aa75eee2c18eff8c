import { createHash, type Hash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { pack as tarPack, type Pack } from 'tar-stream';
import type { ImageFile } from './image-files';

export interface WrittenLayer {
  /** sha256 of the gzip bytes: the layer's digest in the manifest. */
  digest: string;
  /** sha256 of the uncompressed tar: the config's `rootfs.diff_ids` entry. */
  diffId: string;
  size: number;
}

/** Fixed, since the level changes the bytes: zlib's default, a fair trade of size for time. */
const GZIP_LEVEL = 6;

/** The folder every file of the app goes under; the image's working directory. */
export const APP_PREFIX = 'app';

/** Hashes (and counts) what flows through, changing nothing. */
class HashTap extends Transform {
  readonly hash: Hash = createHash('sha256');
  size = 0;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.hash.update(chunk);
    this.size += chunk.length;
    done(null, chunk);
  }
}

/**
 * RFC 1952 §2.3: byte 9 of a gzip header names the OS that wrote it, and zlib fills in this
 * machine's. Setting it to 255 ("unknown"), as Go's archive writer does, keeps the bytes equal
 * across machines. The header's MTIME is already 0 from Node's zlib.
 */
class GzipOsByte extends Transform {
  private seen = 0;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    if (this.seen <= 9 && this.seen + chunk.length > 9) {
      chunk = Buffer.from(chunk);
      chunk[9 - this.seen] = 0xff;
    }
    this.seen += chunk.length;
    done(null, chunk);
  }
}

function addEntry(pack: Pack, file: ImageFile, name: string): Promise<void> {
  // Fixed owner and time, so that nothing about this machine or moment reaches the image.
  const header = { name, mode: file.mode, mtime: new Date(0), uid: 0, gid: 0, uname: '', gname: '' };
  return new Promise((resolve, reject) => {
    if (file.type === 'directory') {
      pack.entry({ ...header, name: `${name}/`, type: 'directory' }, (error) => (error ? reject(error) : resolve()));
    } else if (file.type === 'symlink') {
      pack.entry({ ...header, type: 'symlink', linkname: file.linkname ?? '' }, (error) => (error ? reject(error) : resolve()));
    } else {
      const sink = pack.entry({ ...header, type: 'file', size: file.size }, (error) => (error ? reject(error) : resolve()));
      pipeline(createReadStream(file.source), sink).catch(reject);
    }
  });
}

/**
 * Writes the app's files as one gzip layer under `app/` into `target`, streaming: a tar (hashed for
 * the diff id), gzip at a fixed level, the header's OS byte fixed (hashed for the digest). Same
 * files in, same bytes out, on any machine running the same zlib.
 */
export async function writeLayer(files: readonly ImageFile[], target: string): Promise<WrittenLayer> {
  const pack = tarPack();
  const tar = new HashTap();
  const gzip = new HashTap();
  const writing = pipeline(pack, tar, createGzip({ level: GZIP_LEVEL }), new GzipOsByte(), gzip, createWriteStream(target));
  const adding = (async () => {
    try {
      await addEntry(pack, { path: '', source: '', type: 'directory', mode: 0o755, size: 0 }, APP_PREFIX);
      for (const file of files) await addEntry(pack, file, `${APP_PREFIX}/${file.path}`);
      pack.finalize();
    } catch (error) {
      // A file that vanished or changed size mid-read: end the tar so the writing side stops too.
      pack.destroy(error as Error);
      throw error;
    }
  })();
  await Promise.all([writing, adding]);
  return {
    digest: `sha256:${gzip.hash.digest('hex')}`,
    diffId: `sha256:${tar.hash.digest('hex')}`,
    size: gzip.size,
  };
}
