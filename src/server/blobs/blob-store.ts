import type { Readable, Writable } from 'node:stream';

/**
 * Content-addressed blobs (image layers and configs, volume files and revisions' file lists), named
 * by their `sha256:<hex>` digest; one blob serves every image and volume that holds those bytes.
 * The local folder is the embedded default (blobs/local); S3 comes later.
 */
export interface BlobStore {
  has(digest: string): Promise<boolean>;
  /** Size in bytes, or undefined when the blob is absent. */
  size(digest: string): Promise<number | undefined>;
  /** Streams the blob; throws EVERAI_NOT_FOUND when absent. */
  read(digest: string, range?: { start: number; end: number }): Readable;
  /**
   * Writes bytes `start` to `end` (inclusive) of the blob to `target`, an HTTP response, without
   * ending it; resolves with how many the connection took. For a download: it may cost less
   * than `read` piped to the response. Rejects when the blob is absent or the connection closed first.
   */
  send(digest: string, range: { start: number; end: number }, target: Writable): Promise<number>;
  /**
   * Writes `parts` to `target` one after another, a Buffer as it is and a blob's whole bytes,
   * without ending it; resolves with how many bytes the connection took. For a batched download:
   * many small blobs may cost far less than a `send` each. Rejects as `send` does.
   */
  sendAll(parts: readonly (Buffer | { digest: string; size: number })[], target: Writable): Promise<number>;
  /**
   * Streams `body` into the store and verifies it hashes to `expectedDigest` (when given) before it
   * becomes visible; a mismatch stores nothing. Returns the digest and size written.
   */
  write(body: Readable, expectedDigest?: string, signal?: AbortSignal): Promise<{ digest: string; size: number }>;
  /**
   * As write, for bytes already in memory (a batch's small file, as the pieces it arrived in), which
   * must hash to `expectedDigest`.
   */
  writeBytes(pieces: readonly Buffer[], expectedDigest: string): Promise<{ digest: string; size: number }>;
  /** Bytes held of a resumable write under `key` that broke off; 0 when there is none. */
  partialSize(key: string): Promise<number>;
  /**
   * As write, for an upload that may break off and be resumed: bytes that arrived under `key` are
   * kept when `body` breaks off, and the next call continues at `offset` (which must equal
   * partialSize). The whole is hashed, held bytes too, before it becomes visible.
   */
  writeResumable(key: string, offset: number, body: Readable, expectedDigest: string, signal?: AbortSignal): Promise<{ digest: string; size: number }>;
  /**
   * Appends `body` to the resumable write under `key` from `offset` (which must equal
   * partialSize), for an upload whose digest is not known until its last byte: the bytes stay
   * under `key`, hashed as they arrive, until finishResumable. Returns the bytes now held.
   */
  appendResumable(key: string, offset: number, body: Readable, signal?: AbortSignal): Promise<number>;
  /**
   * Makes the bytes held under `key` blob `expectedDigest` if they hash to it; bytes that do not
   * are deleted and nothing is stored. EVERAI_NOT_FOUND when nothing is held under `key`.
   */
  finishResumable(key: string, expectedDigest: string): Promise<{ digest: string; size: number }>;
  /** Deletes the bytes held under `key` (an upload given up); nothing when none are. */
  dropResumable(key: string): Promise<void>;
  /** Deletes resumable writes that nothing continued since `before` (ms since the epoch). */
  dropStaleUploads(before: number): Promise<void>;
  /** A local file path for the blob, for runtimes that link or unpack it without copying. */
  localPath(digest: string): string | undefined;
  /**
   * Marks each of the blobs as just used, so a collection within its grace period keeps it even
   * before anything references it (a push that found it present and is about to commit). Returns
   * the size of each one present; an absent one is left out.
   */
  touchAll(digests: Iterable<string>): Promise<Map<string, number>>;
  /** Every blob, with when it was last written or touched (ms since the epoch). */
  list(): AsyncIterable<{ digest: string; modifiedMs: number }>;
  /** Removes a blob; only blob collection calls this, and only for blobs nothing references. */
  delete(digest: string): Promise<void>;
}
