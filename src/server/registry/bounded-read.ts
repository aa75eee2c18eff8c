import type { Readable } from 'node:stream';
import { RegistryError } from './registry-errors';

/**
 * Collects a small document (a manifest, an image config) from a stream, refusing it past `limit`
 * bytes so that nothing large is ever held in memory.
 */
export async function readBounded(stream: Readable, limit: number, what: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      stream.destroy();
      throw new RegistryError('SIZE_INVALID', `${what} is over ${limit} bytes`, { status: 413 });
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
