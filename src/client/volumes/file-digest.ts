import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { HashedFile } from './volume-cache';

/** Big reads: hashing a model file in 64 KiB pieces spends more time in calls than in sha256. */
export const READ_CHUNK = 1024 * 1024;

/** sha256 of a file, streamed: a file of any size never sits in memory whole. */
export async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: READ_CHUNK }) as AsyncIterable<Buffer>) hash.update(chunk);
  return `sha256:${hash.digest('hex')}`;
}

/** The digest the hash cache remembers for a file of this size and mtime, if any. */
export function cachedDigest(hashes: Record<string, HashedFile>, path: string, size: number, mtimeMs: number): string | undefined {
  const known = hashes[path];
  return known && known.size === size && known.mtimeMs === mtimeMs ? known.digest : undefined;
}
