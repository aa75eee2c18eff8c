import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { everaiHome } from '../../contract/everai-home';
import type { LayerEntry } from './layer-entries';
import { writeLayer, type LayerCompression, type WrittenLayer } from './layer-writer';
import { ifExists } from '../../contract/if-exists';

/** A layer blob kept in the build cache. */
export interface CachedLayer extends WrittenLayer {
  path: string;
}

/** Bumped when the way entries become a tar changes, so that older cached layers are rebuilt. */
const FORMAT = 1;

/** `EVERAI_BUILD_CACHE`, else `$EVERAI_HOME/cache/build`. */
export function buildCacheDir(): string {
  return process.env.EVERAI_BUILD_CACHE || join(everaiHome(), 'cache', 'build');
}

/**
 * What goes in, hashed: every entry's name, kind and mode, and its bytes' identity (a source's
 * path, size and mtime; inline content itself). A changed library or a rebuilt dist gives
 * another key, so the layer is built again.
 */
async function cacheKey(entries: readonly LayerEntry[], compression: LayerCompression): Promise<string> {
  const hash = createHash('sha256').update(JSON.stringify({ format: FORMAT, compression }));
  for (const entry of entries) {
    const mtime = entry.source !== undefined ? (await fs.stat(entry.source)).mtimeMs : 0;
    hash.update(JSON.stringify([entry.name, entry.type, entry.mode, entry.size, entry.linkname, entry.source, mtime]));
    if (entry.content !== undefined) hash.update(entry.content);
  }
  return hash.digest('hex');
}

/** A name beside `path` no other writer picks, for the temp-and-rename that makes writes atomic. */
function tempBeside(path: string): string {
  return `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
}

/**
 * The entries as a layer blob, from the cache when the same entries were written before; else
 * written, then moved in by rename, so a reader (another build, at the same time) never sees half
 * a blob and a crash leaves at most a temp file.
 */
export async function cachedLayer(entries: readonly LayerEntry[], compression: LayerCompression, cacheDir = buildCacheDir()): Promise<CachedLayer> {
  const key = await cacheKey(entries, compression);
  const layersDir = join(cacheDir, 'layers');
  const blobsDir = join(cacheDir, 'blobs', 'sha256');
  const recordPath = join(layersDir, `${key}.json`);
  // A record is renamed in whole, so one that exists parses.
  const text = await ifExists(fs.readFile(recordPath, 'utf8'));
  const record = text === undefined ? undefined : (JSON.parse(text) as WrittenLayer);
  if (record) {
    const path = join(blobsDir, record.digest.slice('sha256:'.length));
    // The blob may have been removed by hand: then it is built again.
    if ((await ifExists(fs.stat(path)))?.size === record.size) return { ...record, path };
  }
  await fs.mkdir(layersDir, { recursive: true });
  await fs.mkdir(blobsDir, { recursive: true });
  const temp = tempBeside(join(blobsDir, key));
  try {
    const written = await writeLayer(entries, temp, compression);
    const path = join(blobsDir, written.digest.slice('sha256:'.length));
    await fs.rename(temp, path);
    const recordTemp = tempBeside(recordPath);
    await fs.writeFile(recordTemp, JSON.stringify(written));
    await fs.rename(recordTemp, recordPath);
    return { ...written, path };
  } finally {
    await fs.rm(temp, { force: true });
  }
}
