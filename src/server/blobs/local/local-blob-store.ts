import { createHash, randomBytes } from 'node:crypto';
import { closeSync, createReadStream, createWriteStream, mkdirSync, openSync, promises as fs, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { EveraiError } from '../../../contract/errors';
import type { BlobStore } from '../blob-store';
import { isDigest, parseDigest } from '../digest';
import { sendFileRange, sendParts } from './file-sender';
import { ifExists } from '../../../contract/if-exists';
import { hashBehind, SHARED_HASH_FROM_BYTES, storeShared, type FileHash } from '../../../contract/file-hash';
import { BufferPool } from '../../../contract/buffer-pool';
import { BATCH_FILE_LIMIT } from '../../../contract/blob-batch';
import { writeAll } from '../../../contract/write-all';
import { renameIntoPlace } from '../../../contract/rename-into-place';
import { touchFiles } from './file-thread';

/** Blobs never change once written: read-only, so a hard link to one (a volume tree) is too. */
const BLOB_MODE = 0o444;
/** Reads of a blob (a download, a resumed upload's held bytes) in big pieces: fewer calls per byte. */
const READ_CHUNK = 1024 * 1024;
/**
 * How much of an upload may wait for the disk before the socket is paused. With a stream's
 * default 16 KiB, each 64 KiB piece from the socket paused it and went to the thread pool alone:
 * a thread-pool hand-off (and on a busy machine a context switch) per piece. With this, what
 * arrives during a write goes in one writev after it: the futex calls for a 512 MiB push fell
 * from ~41,000 to ~7,000 (strace), and the server's CPU by about a sixth (/proc). 4 MiB saved
 * no more CPU than 1 MiB, and held more memory.
 */
const WRITE_BUFFER = 1024 * 1024;

/** The largest blob `writeBytes` copies into one of its pooled buffers: a batch's file (BATCH_FILE_LIMIT). */
const POOLED_BYTES = BATCH_FILE_LIMIT;
/** Shared memory the bytes of a batch's blobs are copied into for a hash thread to hash and write; a few at once. */
const sharedBuffers = new BufferPool(POOLED_BYTES, 8, true);

/**
 * `pieces` copied into `buffer` (shared memory, at least their size), one after another. With
 * fill, not copy: V8 copies into shared memory with relaxed atomics, byte by byte from an
 * unaligned source (a blob's bytes start anywhere in a batch's chunks), where Node's fill is a
 * memcpy: 1 GiB in 64 KiB pieces took 320-400 ms against 65-105 ms.
 */
function gather(pieces: readonly Buffer[], buffer: Buffer): void {
  let at = 0;
  for (const piece of pieces) {
    buffer.fill(piece, at, at + piece.length);
    at += piece.length;
  }
}

/**
 * Blobs as files `sha256/ab/abcdef...` under one folder. A write goes to `tmp/` first and is
 * renamed into place only after its hash checks out, so a reader never sees a partial blob and a
 * crash mid-write leaves only a temp file (cleared at start). A resumable upload's bytes wait in
 * `tmp/partial/`, named by a hash of its key, until it completes or goes stale.
 */
export class LocalBlobStore implements BlobStore {
  private readonly tmpDir: string;
  private readonly partialDir: string;
  /** Keys with a resumable write under way: two writes appending to one file would interleave. */
  private readonly resuming = new Set<string>();
  /**
   * The hash of each resumable write's bytes after its last append that ended whole, so that
   * finishing it (a later request) does not read them again.
   */
  private readonly heldHashes = new Map<string, { hash: FileHash; size: number }>();
  /** Temp files are named by this store's own prefix and a count: a random name each cost a getrandom call. */
  private readonly tempPrefix = randomBytes(6).toString('hex');
  private temps = 0;

  constructor(private readonly root: string) {
    this.tmpDir = join(root, 'tmp');
    this.partialDir = join(this.tmpDir, 'partial');
    mkdirSync(this.partialDir, { recursive: true });
    mkdirSync(join(root, 'sha256'), { recursive: true });
  }

  private tempPath(): string {
    return join(this.tmpDir, `${this.tempPrefix}-${++this.temps}`);
  }

  /** Drops temp files left by writes that a crash broke off; resumable uploads stay, to be resumed. */
  async sweepTemp(): Promise<void> {
    for (const entry of await fs.readdir(this.tmpDir, { withFileTypes: true })) {
      if (entry.isFile()) await fs.rm(join(this.tmpDir, entry.name), { force: true });
    }
  }

  async dropStaleUploads(before: number): Promise<void> {
    for (const name of await fs.readdir(this.partialDir)) {
      const path = join(this.partialDir, name);
      const stat = await ifExists(fs.stat(path));
      if (stat && stat.mtimeMs < before && !this.resuming.has(name)) {
        await fs.rm(path, { force: true });
        this.forgetHeld(name);
      }
    }
  }

  private partialName(key: string): string {
    return createHash('sha256').update(key).digest('hex');
  }

  private pathOf(digest: string): string {
    const hex = parseDigest(digest);
    return join(this.root, 'sha256', hex.slice(0, 2), hex);
  }

  localPath(digest: string): string {
    return this.pathOf(digest);
  }

  async has(digest: string): Promise<boolean> {
    return (await this.size(digest)) !== undefined;
  }

  async size(digest: string): Promise<number | undefined> {
    try {
      return (await fs.stat(this.pathOf(digest))).size;
    } catch {
      return undefined;
    }
  }

  read(digest: string, range?: { start: number; end: number }): Readable {
    const stream = createReadStream(this.pathOf(digest), { ...range, highWaterMark: READ_CHUNK });
    stream.on('error', () => undefined);
    return stream;
  }

  send(digest: string, range: { start: number; end: number }, target: Writable): Promise<number> {
    return sendFileRange(this.pathOf(digest), range.start, range.end, target);
  }

  sendAll(parts: readonly (Buffer | { digest: string; size: number })[], target: Writable): Promise<number> {
    return sendParts(
      parts.map((part) => (Buffer.isBuffer(part) ? part : { path: this.pathOf(part.digest), size: part.size })),
      target,
    );
  }

  async touchAll(digests: Iterable<string>): Promise<Map<string, number>> {
    const asked = [...digests];
    const sizes = await touchFiles(asked.map((digest) => this.pathOf(digest)), new Date());
    const present = new Map<string, number>();
    asked.forEach((digest, i) => {
      const size = sizes[i] ?? -1;
      if (size >= 0) present.set(digest, size);
    });
    return present;
  }

  async *list(): AsyncIterable<{ digest: string; modifiedMs: number }> {
    const top = join(this.root, 'sha256');
    for (const prefix of await fs.readdir(top)) {
      for (const hex of (await ifExists(fs.readdir(join(top, prefix)))) ?? []) {
        const stat = await ifExists(fs.stat(join(top, prefix, hex)));
        if (stat?.isFile() && isDigest(`sha256:${hex}`)) yield { digest: `sha256:${hex}`, modifiedMs: stat.mtimeMs };
      }
    }
  }

  async delete(digest: string): Promise<void> {
    await fs.rm(this.pathOf(digest), { force: true });
  }

  async write(body: Readable, expectedDigest?: string, signal?: AbortSignal): Promise<{ digest: string; size: number }> {
    if (expectedDigest !== undefined) parseDigest(expectedDigest);
    const tmp = this.tempPath();
    const hash = hashBehind(tmp);
    try {
      const size = await this.append(tmp, hash, 0, body, signal);
      return { digest: await this.complete(tmp, hash, expectedDigest), size };
    } catch (error) {
      hash.drop();
      await fs.rm(tmp, { force: true });
      throw error;
    }
  }

  /**
   * A blob under SHARED_HASH_FROM_BYTES is hashed and written here, synchronously (writeSmall).
   * A larger one is copied into shared memory (a tenth of a hash's cost), and a hash thread hashes
   * it and, if it is `expectedDigest`, writes it and renames it into place: on this thread, which
   * receives every push's bytes, the hashing of a push's small files kept the server's other
   * requests and the push's other sockets waiting (0.9 s of a 2.9 s push of 1024 files of 1 MiB on
   * 16 CPUs), and each blob's open, writes, close and rename through the thread pool cost it a
   * round trip each.
   */
  async writeBytes(pieces: readonly Buffer[], expectedDigest: string): Promise<{ digest: string; size: number }> {
    parseDigest(expectedDigest);
    const size = pieces.reduce((sum, piece) => sum + piece.length, 0);
    const tmp = this.tempPath();
    let digest: string;
    if (size < SHARED_HASH_FROM_BYTES) {
      const hash = createHash('sha256');
      for (const piece of pieces) hash.update(piece);
      digest = `sha256:${hash.digest('hex')}`;
      if (digest === expectedDigest) this.writeSmall(tmp, pieces, digest);
    } else {
      // A blob over the pool's size (only a client of its own sends one in a batch) gets shared memory of its own.
      const buffer = size <= POOLED_BYTES ? await sharedBuffers.take() : Buffer.from(new SharedArrayBuffer(size));
      try {
        gather(pieces, buffer);
        digest = await storeShared(buffer.subarray(0, size), { digest: expectedDigest, temp: tmp, target: this.pathOf(expectedDigest), mode: BLOB_MODE });
      } finally {
        if (size <= POOLED_BYTES) sharedBuffers.give(buffer);
      }
    }
    if (digest !== expectedDigest) throw new EveraiError('EVERAI_BAD_REQUEST', `blob content hashes to ${digest}, not the declared ${expectedDigest}`);
    return { digest, size };
  }

  /**
   * Writes a small blob with synchronous calls: its four calls through the thread pool (open,
   * write, close, rename) cost the main thread about 40 µs each on a VM where a system call costs
   * 1.4 µs, 1.6 s of a push of 10,000 small files; written so, the page cache takes a few KiB in
   * microseconds. (A large blob's writes stay asynchronous: see `append`.)
   */
  private writeSmall(tmp: string, pieces: readonly Buffer[], digest: string): void {
    try {
      const fd = openSync(tmp, 'wx', BLOB_MODE);
      try {
        for (const piece of pieces) writeAll(fd, piece);
      } finally {
        closeSync(fd);
      }
      this.moveIntoPlace(tmp, digest);
    } catch (error) {
      rmSync(tmp, { force: true });
      throw error;
    }
  }

  async partialSize(key: string): Promise<number> {
    // Synchronous: an unchanged push asks this for each file it lacks, and a stat is microseconds.
    return statSync(join(this.partialDir, this.partialName(key)), { throwIfNoEntry: false })?.size ?? 0;
  }

  async writeResumable(key: string, offset: number, body: Readable, expectedDigest: string, signal?: AbortSignal): Promise<{ digest: string; size: number }> {
    parseDigest(expectedDigest);
    const name = this.partialName(key);
    if (this.resuming.has(name) && offset === 0) {
      // Two pushes of the same bytes at once (two copies of one file, or two pushes): one upload
      // from the start goes to a temp file of its own, and the blob lands whole from either.
      return this.write(body, expectedDigest, signal);
    }
    return this.holding(name, async () => {
      await this.appendHeld(name, offset, body, signal);
      return this.completeHeld(name, expectedDigest);
    });
  }

  async appendResumable(key: string, offset: number, body: Readable, signal?: AbortSignal): Promise<number> {
    const name = this.partialName(key);
    return this.holding(name, () => this.appendHeld(name, offset, body, signal));
  }

  async finishResumable(key: string, expectedDigest: string): Promise<{ digest: string; size: number }> {
    parseDigest(expectedDigest);
    const name = this.partialName(key);
    return this.holding(name, async () => {
      if (statSync(join(this.partialDir, name), { throwIfNoEntry: false }) === undefined) {
        throw new EveraiError('EVERAI_NOT_FOUND', `no upload is under way to become ${expectedDigest} (another push of the same file finished it, or it was dropped after a long pause): push again`);
      }
      return this.completeHeld(name, expectedDigest);
    });
  }

  async dropResumable(key: string): Promise<void> {
    const name = this.partialName(key);
    await this.holding(name, async () => {
      await fs.rm(join(this.partialDir, name), { force: true });
      this.forgetHeld(name);
    });
  }

  /** Drops the kept hash of resumable write `name`, on the hash thread too. */
  private forgetHeld(name: string): void {
    this.heldHashes.get(name)?.hash.drop();
    this.heldHashes.delete(name);
  }

  /** Runs `work` on the resumable write `name`, refused while another call works on it: two appending at once would interleave. */
  private async holding<T>(name: string, work: () => Promise<T>): Promise<T> {
    if (this.resuming.has(name)) throw new EveraiError('EVERAI_CONFLICT', 'another push is uploading these bytes now: push again when it is done');
    this.resuming.add(name);
    try {
      return await work();
    } finally {
      this.resuming.delete(name);
    }
  }

  /** Appends `body` to the resumable write `name` from `offset`, which must be what it holds; returns what it holds after. */
  private async appendHeld(name: string, offset: number, body: Readable, signal?: AbortSignal): Promise<number> {
    const path = join(this.partialDir, name);
    const held = statSync(path, { throwIfNoEntry: false })?.size ?? 0;
    if (offset !== held) throw new EveraiError('EVERAI_CONFLICT', `the upload resumes at byte ${offset}, but the platform holds ${held} (another push of the same file sent more, or finished it): push again`);
    const hash = this.hashOfHeld(name, held);
    // Until the append ends whole, what the file holds is not known for sure: the hash is dropped meanwhile.
    this.heldHashes.delete(name);
    try {
      const size = await this.append(path, hash, held, body, signal);
      this.heldHashes.set(name, { hash, size });
      return size;
    } catch (error) {
      hash.drop();
      throw error;
    }
  }

  /** The hash of the `held` bytes of resumable write `name`: kept from the append that wrote them, else read again. */
  private hashOfHeld(name: string, held: number): FileHash {
    const kept = this.heldHashes.get(name);
    if (kept?.size === held) return kept.hash;
    // A hash is not kept from a request that broke off (or from before a restart): the thread reads the held bytes.
    kept?.hash.drop();
    const hash = hashBehind(join(this.partialDir, name));
    hash.written(held);
    return hash;
  }

  /** Makes resumable write `name` blob `expectedDigest`, or deletes it if its bytes are not that. */
  private async completeHeld(name: string, expectedDigest: string): Promise<{ digest: string; size: number }> {
    const path = join(this.partialDir, name);
    const size = statSync(path, { throwIfNoEntry: false })?.size ?? 0;
    const hash = this.hashOfHeld(name, size);
    this.heldHashes.delete(name);
    return { digest: await this.complete(path, hash, expectedDigest), size };
  }

  /**
   * Appends `body` to `path` (which holds `held` bytes, told to `hash`); returns the size after.
   * The hash thread reads the bytes back behind the writes (contract/file-hash.ts): hashed on
   * this thread, a GiB's sha256 took as much CPU as receiving and writing it.
   *
   * The writes stay asynchronous although synchronous ones cost the server less CPU: this process
   * also runs the gateway, and a write the kernel throttles (many unflushed pages during a large
   * push) would stall every app's requests, not one thread of the pool.
   */
  private async append(path: string, hash: FileHash, held: number, body: Readable, signal?: AbortSignal): Promise<number> {
    // Each piece goes to disk as it arrives, and the pieces that arrive while a write is under way
    // go in one writev after it (WRITE_BUFFER), so the socket is not paused for each.
    const file = createWriteStream(path, { flags: 'a', highWaterMark: WRITE_BUFFER });
    // What the stream has written so far is on the page cache, for the hash thread to read.
    body.on('data', () => hash.written(held + file.bytesWritten));
    await pipeline(body, file, signal ? { signal } : {});
    const size = held + file.bytesWritten;
    hash.written(size);
    return size;
  }

  /** Renames `path`, whose bytes `hash` holds, into place if they are `expectedDigest` (when given); else deletes it. */
  private async complete(path: string, hash: FileHash, expectedDigest: string | undefined): Promise<string> {
    const digest = await hash.digest();
    if (expectedDigest !== undefined && digest !== expectedDigest) {
      await fs.rm(path, { force: true });
      throw new EveraiError('EVERAI_BAD_REQUEST', `blob content hashes to ${digest}, not the declared ${expectedDigest}`);
    }
    await fs.chmod(path, BLOB_MODE);
    this.moveIntoPlace(path, digest);
    return digest;
  }

  /** Renames a finished, checked temp file to blob `digest`. */
  private moveIntoPlace(path: string, digest: string): void {
    renameIntoPlace(path, this.pathOf(digest));
  }
}
