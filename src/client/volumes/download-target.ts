import { createHash } from 'node:crypto';
import { closeSync, openSync } from 'node:fs';
import { EveraiError } from '../../contract/errors';
import { fedHash, writeShared, type FedHash } from '../../contract/file-hash';
import { PieceBuffers } from '../../contract/piece-buffers';
import type { VolumeFile } from '../../contract/volume-file';
import { writeAll } from '../../contract/write-all';

/**
 * Files downloaded of at least this size are written on the write thread and hashed on a hash
 * thread, both from shared memory the bytes are copied into; smaller ones are written and hashed
 * on the CLI's main thread as they arrive, where a message to a thread would cost more than the
 * work (10,000 files of a few bytes took 3.67-3.83 s through the hash thread against 3.54-3.64 s).
 * Writing on the main thread and having the hash thread read each file back behind it, the main
 * thread was a pull's busiest, about half of its CPU in the writes (perf); through the threads, a
 * GiB pulled cost the main thread 0.48-0.67 s, not 0.86-0.94 s, and the busiest thread 0.71-0.73 s
 * (the hash thread); 1024 files of 1 MiB, 0.84-0.89 s, not 1.06-1.16 s; one file of 4 GiB, 2.2-2.8
 * s, not 4.7-5.6 s (3 alternating rounds on a 2-CPU VM, CPU per thread from /proc, wall times the
 * same or better: 5.6-6.4 s against 6.0-6.6 s for the 4 GiB).
 */
const DOWNLOAD_THREAD_FROM_BYTES = 1024 * 1024;

/**
 * The buffers downloads are copied into for the write thread and a hash thread: 16 MiB held at
 * most, then each download waits for one to come back before it reads on. A download holds at
 * most the one it fills (TRANSFER_LANES of them in all), so the others are on their way to disk
 * and come back.
 */
const downloadPieces = new PieceBuffers(1024 * 1024, 16);

/**
 * A file being downloaded into its target: each piece goes in as it arrives (`write`, which may
 * ask the caller to wait, as a PieceSink does), and `finish` refuses bytes that are not the file's
 * digest; `abandon` ends one that broke off.
 */
export interface DownloadTarget {
  write(piece: Buffer): Promise<void> | undefined;
  abandon(): void;
  finish(): Promise<void>;
}

/** Where a file of the revision being pulled goes as it downloads: the file `target`, new. */
export function downloadTarget(file: VolumeFile, target: string): DownloadTarget {
  return file.size >= DOWNLOAD_THREAD_FROM_BYTES ? new ThreadedTarget(file, target) : new InlineTarget(file, target);
}

function checkDigest(file: VolumeFile, digest: string): void {
  if (digest !== file.digest) {
    throw new EveraiError('EVERAI_INTERNAL', `the bytes of ${JSON.stringify(file.path)} arrived as ${digest}, not ${file.digest}; pull again`);
  }
}

/**
 * A small file, written and hashed where its pieces arrive: synchronously (the bytes are read off
 * the socket once, and a write costs microseconds where a stream's round trip cost more).
 */
class InlineTarget implements DownloadTarget {
  private readonly fd: number;
  private readonly hash = createHash('sha256');
  private closed = false;

  constructor(
    private readonly file: VolumeFile,
    target: string,
  ) {
    this.fd = openSync(target, 'w');
  }

  write(piece: Buffer): undefined {
    writeAll(this.fd, piece);
    this.hash.update(piece);
    return undefined;
  }

  abandon(): void {
    this.close();
  }

  async finish(): Promise<void> {
    this.close();
    checkDigest(this.file, `sha256:${this.hash.digest('hex')}`);
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
  }
}

/**
 * A large file: its pieces are copied into shared buffers (downloadPieces), and each buffer, once
 * full, is written on the write thread and hashed on a hash thread at once, where it lies. The
 * main thread only receives and copies; the bytes are not read back from the file to be hashed.
 */
class ThreadedTarget implements DownloadTarget {
  private readonly fd: number;
  private readonly hash: FedHash = fedHash();
  /** The buffer being filled, and how far. */
  private buffer: Buffer | undefined;
  private filled = 0;
  /** Bytes of the file sent to the write thread. */
  private sent = 0;
  /** The last write sent: the thread writes them in order, so once it settles all have. It never rejects: a failure is kept. */
  private lastWrite: Promise<void> = Promise.resolve();
  private failure: Error | undefined;
  private abandoned = false;

  constructor(
    private readonly file: VolumeFile,
    target: string,
  ) {
    this.fd = openSync(target, 'w');
  }

  write(piece: Buffer): Promise<void> | undefined {
    for (let from = 0; from < piece.length; ) {
      const buffer = (this.buffer ??= downloadPieces.take());
      const copied = Math.min(piece.length - from, buffer.length - this.filled);
      // fill, not copy: copy (TypedArray.set) moves bytes into shared memory one at a time unless
      // both sides agree modulo 8 (0.35 s a GiB, 43% of the main thread), fill is a memcpy (0.03 s).
      buffer.fill(piece.subarray(from, from + copied), this.filled, this.filled + copied);
      this.filled += copied;
      from += copied;
      if (this.filled === buffer.length) this.send();
    }
    return downloadPieces.untilRoom();
  }

  /** Hands the bytes filled so far to the write thread and to the hash thread, each holding them until done. */
  private send(): void {
    if (!this.buffer || this.filled === 0) return;
    const bytes = this.buffer.subarray(0, this.filled);
    this.buffer = undefined;
    this.filled = 0;
    downloadPieces.hold(bytes);
    this.hash.update(bytes, () => downloadPieces.give(bytes));
    this.lastWrite = writeShared(this.fd, bytes, this.sent).then(
      () => downloadPieces.give(bytes),
      (error: Error) => {
        downloadPieces.give(bytes);
        this.failure ??= error;
      },
    );
    this.sent += bytes.length;
  }

  abandon(): void {
    if (this.abandoned) return;
    this.abandoned = true;
    if (this.buffer) downloadPieces.give(this.buffer);
    this.buffer = undefined;
    this.hash.drop();
    // Closed once the write thread is done with it: closed before, its number could be another
    // file's by the time a write sent comes.
    void this.lastWrite.then(() => closeSync(this.fd));
  }

  async finish(): Promise<void> {
    this.send();
    const digest = this.hash.digest();
    await this.lastWrite;
    closeSync(this.fd);
    if (this.failure) {
      digest.catch(() => undefined);
      throw new EveraiError('EVERAI_INTERNAL', `writing ${JSON.stringify(this.file.path)} failed: ${this.failure.message}`);
    }
    checkDigest(this.file, await digest);
  }
}
