import { createHash, type Hash } from 'node:crypto';
import { closeSync, createReadStream, openSync } from 'node:fs';
import { Readable, Transform, type TransformCallback, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { pack as tarPack, type Pack } from 'tar-stream';
import { MEDIA_TYPES } from '../../contract/oci';
import type { LayerEntry } from './layer-entries';
import { FILE_PIECE, layerFileSink, PieceBuffers, writeFilePieces } from './layer-pieces';

export interface WrittenLayer {
  /** sha256 of the blob's bytes: the layer's digest in the manifest. */
  digest: string;
  /** sha256 of the uncompressed tar: the config's `rootfs.diff_ids` entry. */
  diffId: string;
  size: number;
  mediaType: string;
}

/**
 * `gzip` for what travels often and compresses well (the app); `none` for big layers that are
 * built once, cached, and pushed or unpacked locally, where gzip costs more time than it saves.
 */
export type LayerCompression = 'gzip' | 'none';

/** Fixed, since the level changes the bytes: zlib's default, a fair trade of size for time. */
const GZIP_LEVEL = 6;

/** Hashes (and counts) what flows through, changing nothing; `onBytes` sees each piece's length. */
class HashTap extends Transform {
  readonly hash: Hash = createHash('sha256');
  size = 0;

  constructor(private readonly onBytes?: (bytes: number) => void) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.hash.update(chunk);
    this.size += chunk.length;
    this.onBytes?.(chunk.length);
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

/** `buffers`: where a file's pieces are read into, when the layer's sink gives them back. */
function addEntry(pack: Pack, entry: LayerEntry, buffers: PieceBuffers | undefined): Promise<void> {
  // Fixed owner and time, so that nothing about this machine or moment reaches the image.
  const header = { name: entry.name, mode: entry.mode, mtime: new Date(0), uid: 0, gid: 0, uname: '', gname: '' };
  return new Promise((resolve, reject) => {
    const done = (error?: Error | null) => (error ? reject(error) : resolve());
    if (entry.type === 'directory') {
      pack.entry({ ...header, name: `${entry.name}/`, type: 'directory' }, done);
    } else if (entry.type === 'symlink') {
      pack.entry({ ...header, type: 'symlink', linkname: entry.linkname ?? '' }, done);
    } else {
      const sink = pack.entry({ ...header, type: 'file', size: entry.size }, done);
      if (buffers && entry.source !== undefined) {
        // The sink fails too when the tar is torn down: that is this entry's failure, said once.
        sink.on('error', reject);
        writeFilePieces(sink, entry.source, entry.size, buffers).catch(reject);
        return;
      }
      // Files are read in 1 MiB pieces: in the 64 KiB default, a 1 GiB app spent more in calls and garbage than in bytes.
      const bytes = entry.content !== undefined ? Readable.from([entry.content]) : createReadStream(entry.source ?? '', { highWaterMark: Math.max(1, Math.min(entry.size, FILE_PIECE)) });
      pipeline(bytes, sink).catch(reject);
    }
  });
}

/**
 * Where a layer's bytes go (a file, an upload's request): a Writable that gives each piece to
 * `buffers` once the piece has left it, so that its read buffer is used again.
 */
export type LayerSink = (buffers: PieceBuffers) => Writable;

/**
 * Packs the entries, in the order given, as one layer into `sink`, streaming: a tar (hashed for
 * the diff id; `onTarBytes` counts it), then for gzip a fixed level and a fixed OS byte (hashed
 * for the digest). Same entries in, same bytes out, on any machine running the same zlib.
 */
export async function packLayer(entries: readonly LayerEntry[], compression: LayerCompression, sink: LayerSink, onTarBytes?: (bytes: number) => void): Promise<WrittenLayer> {
  const pack = tarPack();
  const tar = new HashTap(onTarBytes);
  const blob = new HashTap();
  const buffers = new PieceBuffers();
  // Uncompressed, every piece reaches the sink as it was read, and its buffer can come back;
  // gzip makes pieces of its own, so files are read as streams.
  const reads = compression === 'none' ? buffers : undefined;
  const writing = compression === 'none' ? pipeline(pack, tar, sink(buffers)) : pipeline(pack, tar, createGzip({ level: GZIP_LEVEL }), new GzipOsByte(), blob, sink(buffers));
  const adding = (async () => {
    try {
      for (const entry of entries) await addEntry(pack, entry, reads);
      pack.finalize();
    } catch (error) {
      // A file that vanished or changed size mid-read: end the tar so the writing side stops too.
      pack.destroy(error as Error);
      throw error;
    }
  })();
  await Promise.all([writing, adding]);
  const diffId = `sha256:${tar.hash.digest('hex')}`;
  if (compression === 'none') return { digest: diffId, diffId, size: tar.size, mediaType: MEDIA_TYPES.ociLayerTar };
  return { digest: `sha256:${blob.hash.digest('hex')}`, diffId, size: blob.size, mediaType: MEDIA_TYPES.ociLayerGzip };
}

/** Packs the entries as one layer into the file `target` (packLayer). */
export async function writeLayer(entries: readonly LayerEntry[], target: string, compression: LayerCompression): Promise<WrittenLayer> {
  const fd = openSync(target, 'w');
  try {
    return await packLayer(entries, compression, (buffers) => layerFileSink(fd, buffers));
  } finally {
    closeSync(fd);
  }
}
