import { closeSync, openSync, writeSync } from 'node:fs';

/**
 * The most one write() puts in the page cache. The kernel sizes a written file's page-cache folios
 * by the write (Linux 6.x, ext4 and others), and a process that maps the file maps whole folios
 * when it touches one: a node binary unpacked in 1 MiB writes (a blob read's chunks) showed 60 MB
 * resident in every worker against 44 MB for the same binary written in 64 KiB writes. 64 KiB is
 * what the kernel maps around a fault anyway (fault_around_bytes), so smaller gains nothing.
 */
const MAX_WRITE = 64 * 1024;

/**
 * Writes `body` to a new file (`wx`: never following something that appeared at that name) in
 * writes of at most MAX_WRITE, so that workers mapping it (an unpacked image's programs and
 * libraries) are charged only the pages they touch. The writes are synchronous, each piece written
 * before the next is awaited: this runs on the layer worker thread (layer-worker.ts), never on the
 * server's main thread, and a piece's buffer is done with once its write returns.
 */
export async function writeNewFile(target: string, body: AsyncIterable<unknown> | Iterable<unknown>, mode: number): Promise<void> {
  const file = openSync(target, 'wx', mode);
  try {
    for await (const chunk of body) {
      const bytes = chunk as Buffer;
      for (let offset = 0; offset < bytes.length; ) {
        offset += writeSync(file, bytes, offset, Math.min(MAX_WRITE, bytes.length - offset));
      }
    }
  } finally {
    closeSync(file);
  }
}
