import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { dirname, join } from 'node:path';
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
 * path, size, mtime and ctime; inline content itself). A changed library, a rebuilt dist or an
 * edited app file gives another key, so the layer is packed again. The ctime catches a file
 * rewritten and given its old mtime back (`cp -p`, `rsync -t`, an unpacked archive), which the
 * system sets anew on every change and no tool can set back.
 */
export async function layerKey(entries: readonly LayerEntry[], compression: LayerCompression): Promise<string> {
  const hash = createHash('sha256').update(JSON.stringify({ format: FORMAT, compression }));
  for (const entry of entries) {
    const stat = entry.source !== undefined ? await fs.stat(entry.source) : undefined;
    hash.update(JSON.stringify([entry.name, entry.type, entry.mode, entry.size, entry.linkname, entry.source, stat?.mtimeMs ?? 0, stat?.ctimeMs ?? 0]));
    if (entry.content !== undefined) hash.update(entry.content);
  }
  return hash.digest('hex');
}

/** A name beside `path` no other writer picks, for the temp-and-rename that makes writes atomic. */
function tempBeside(path: string): string {
  return `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
}

function recordPath(cacheDir: string, key: string): string {
  return join(cacheDir, 'layers', `${key}.json`);
}

/** The layer entries of `key` were packed into before (its digest, diff id, size), if any. */
export async function packedLayer(key: string, cacheDir = buildCacheDir()): Promise<WrittenLayer | undefined> {
  // A record is renamed in whole, so one that exists parses.
  const text = await ifExists(fs.readFile(recordPath(cacheDir, key), 'utf8'));
  return text === undefined ? undefined : (JSON.parse(text) as WrittenLayer);
}

/** Records what the entries of `key` were packed into, by temp and rename: a reader sees all of it or none. */
export async function rememberLayer(key: string, layer: WrittenLayer, cacheDir = buildCacheDir()): Promise<void> {
  const path = recordPath(cacheDir, key);
  await fs.mkdir(dirname(path), { recursive: true });
  const temp = tempBeside(path);
  await fs.writeFile(temp, JSON.stringify({ digest: layer.digest, diffId: layer.diffId, size: layer.size, mediaType: layer.mediaType } satisfies WrittenLayer));
  await fs.rename(temp, path);
}

/**
 * The entries as a layer blob, from the cache when the same entries were written before; else
 * written, then moved in by rename, so a reader (another build, at the same time) never sees half
 * a blob and a crash leaves at most a temp file.
 */
export async function cachedLayer(entries: readonly LayerEntry[], compression: LayerCompression, cacheDir = buildCacheDir()): Promise<CachedLayer> {
  const key = await layerKey(entries, compression);
  const blobsDir = join(cacheDir, 'blobs', 'sha256');
  const record = await packedLayer(key, cacheDir);
  if (record) {
    const path = join(blobsDir, record.digest.slice('sha256:'.length));
    // The blob may have been removed by hand: then it is built again.
    if ((await ifExists(fs.stat(path)))?.size === record.size) return { ...record, path };
  }
  await fs.mkdir(blobsDir, { recursive: true });
  const temp = tempBeside(join(blobsDir, key));
  try {
    const written = await writeLayer(entries, temp, compression);
    const path = join(blobsDir, written.digest.slice('sha256:'.length));
    await fs.rename(temp, path);
    await rememberLayer(key, written, cacheDir);
    return { ...written, path };
  } finally {
    await fs.rm(temp, { force: true });
  }
}
