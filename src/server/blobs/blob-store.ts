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
   * Streams `body` into the store and verifies it hashes to `expectedDigest` (when given) before it
   * becomes visible; a mismatch stores nothing. Returns the digest and size written.
   */
  write(body: Readable, expectedDigest?: string, signal?: AbortSignal): Promise<{ digest: string; size: number }>;
  /** As write, for bytes already in memory (a batch's small files), which must hash to `expectedDigest`. */
  writeBytes(bytes: Buffer, expectedDigest: string): Promise<{ digest: string; size: number }>;
  /** Bytes held of a resumable write under `key` that broke off; 0 when there is none. */
  partialSize(key: string): Promise<number>;
  /**
   * As write, for an upload that may break off and be resumed: bytes that arrived under `key` are
   * kept when `body` breaks off, and the next call continues at `offset` (which must equal
   * partialSize). The whole is hashed, held bytes too, before it becomes visible.
   */
  writeResumable(key: string, offset: number, body: Readable, expectedDigest: string, signal?: AbortSignal): Promise<{ digest: string; size: number }>;
  /** Deletes resumable writes that nothing continued since `before` (ms since the epoch). */
  dropStaleUploads(before: number): Promise<void>;
  /** A local file path for the blob, for runtimes that link or unpack it without copying. */
  localPath(digest: string): string | undefined;
  /**
   * Marks the blob as just used, so a collection within its grace period keeps it even before
   * anything references it (a push that found it present and is about to commit). False if absent.
   */
  touch(digest: string): Promise<boolean>;
  /** Every blob, with when it was last written or touched (ms since the epoch). */
  list(): AsyncIterable<{ digest: string; modifiedMs: number }>;
  /** Removes a blob; only blob collection calls this, and only for blobs nothing references. */
  delete(digest: string): Promise<void>;
}
