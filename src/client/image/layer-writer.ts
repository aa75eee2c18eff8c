import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { closeSync, createReadStream, openSync } from 'node:fs';
import { Readable, Transform, type TransformCallback, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { pack as tarPack, type Pack } from 'tar-stream';
import { fedHash, HASH_THREAD_FROM_BYTES } from '../../contract/file-hash';
import { MEDIA_TYPES } from '../../contract/oci';
import { PieceBuffers } from '../../contract/piece-buffers';
import type { LayerEntry } from './layer-entries';
import { FILE_PIECE, layerFileSink, writeFilePieces } from './layer-pieces';

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

/**
 * Whether an uncompressed layer of `bytes` (its files' sizes) has its tar hashed on a hash
 * thread: a big one, on a machine of more than 2 CPUs. The thread took the hash off the thread
 * that packs and sends the layer, the build's busiest (1.35-1.76 s of CPU down to 0.76-0.95 s, 1
 * GiB in 1024 files); but on 2 CPUs, shared with the platform's own threads, the build took
 * longer (2.74-3.00 s against 2.55-3.14 s, medians 2.92 and 2.64 s, 6 alternating runs).
 */
export function tarHashOnThread(bytes: number, cpus = availableParallelism()): boolean {
  return bytes >= HASH_THREAD_FROM_BYTES && cpus > 2;
}

/** The sha256 of the pieces that pass a HashTap. */
interface PieceHash {
  update(piece: Buffer): void;
  digest(): Promise<string>;
  /** Forgets the hash (a layer that failed). */
  drop(): void;
}

function hashHere(): PieceHash {
  const hash = createHash('sha256');
  return {
    update: (piece) => void hash.update(piece),
    digest: () => Promise.resolve(`sha256:${hash.digest('hex')}`),
    drop: () => undefined,
  };
}

/** Hashed on a hash thread, where the pieces lie: a piece in one of `buffers` is held until the thread has hashed it. */
function hashOnThread(buffers: PieceBuffers): PieceHash {
  const hash = fedHash();
  return {
    update: (piece) => {
      buffers.hold(piece);
      hash.update(piece, () => buffers.give(piece));
    },
    digest: () => hash.digest(),
    drop: () => hash.drop(),
  };
}

/** Hashes (and counts) what flows through, changing nothing; `onBytes` sees each piece's length. */
class HashTap extends Transform {
  size = 0;

  constructor(
    readonly hash: PieceHash,
    private readonly onBytes?: (bytes: number) => void,
  ) {
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
 * the diff id, on a hash thread where `hashThread`; `onTarBytes` counts it), then for gzip a fixed
 * level and a fixed OS byte (hashed for the digest). Same entries in, same bytes out, on any
 * machine running the same zlib.
 */
export async function packLayer(
  entries: readonly LayerEntry[],
  compression: LayerCompression,
  sink: LayerSink,
  onTarBytes?: (bytes: number) => void,
  hashThread = tarHashOnThread(entries.reduce((sum, entry) => sum + entry.size, 0)),
): Promise<WrittenLayer> {
  const pack = tarPack();
  const buffers = new PieceBuffers(FILE_PIECE);
  // Uncompressed, every piece reaches the sink as it was read, and its buffer can come back;
  // gzip makes pieces of its own, so files are read as streams.
  const reads = compression === 'none' ? buffers : undefined;
  const tar = new HashTap(reads && hashThread ? hashOnThread(reads) : hashHere(), onTarBytes);
  const blob = new HashTap(hashHere());
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
  try {
    await Promise.all([writing, adding]);
  } catch (error) {
    tar.hash.drop();
    throw error;
  }
  const diffId = await tar.hash.digest();
  if (compression === 'none') return { digest: diffId, diffId, size: tar.size, mediaType: MEDIA_TYPES.ociLayerTar };
  return { digest: await blob.hash.digest(), diffId, size: blob.size, mediaType: MEDIA_TYPES.ociLayerGzip };
}

/** Packs the entries as one layer into the file `target` (packLayer). */
export async function writeLayer(entries: readonly LayerEntry[], target: string, compression: LayerCompression, hashThread?: boolean): Promise<WrittenLayer> {
  const fd = openSync(target, 'w');
  try {
    return await packLayer(entries, compression, (buffers) => layerFileSink(fd, buffers), undefined, hashThread);
  } finally {
    closeSync(fd);
  }
}
