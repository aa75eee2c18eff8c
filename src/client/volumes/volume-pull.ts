import { chmodSync, lstatSync, promises as fs, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ApiClient } from '../api-client';
import { EveraiError } from '../../contract/errors';
import type { PullResult } from '../../contract/volume-transfer';
import { byPath, canonicalFileList, quotePath, type VolumeFile } from '../../contract/volume-file';
import { volumeApiPath, type FileListView, type VolumeView } from '../../contract/volume-view';
import { BATCH_FILE_LIMIT } from '../../contract/blob-batch';
import { inBatches } from './batches';
import { downloadBatch, downloadFile } from './blob-transfer';
import { copyStatDigest, describes, statDigestOf, type StatEntry } from './copy-state';
import { cachedDigest, hashFile } from './file-digest';
import { modeOf, walk } from './local-files';
import { forEachLimited, forEachYielding, TRANSFER_LANES } from './parallel';
import type { TransferProgress } from './transfer-progress';
import type { HashedFile, VolumeCache, VolumeCacheMeta } from './volume-cache';

export interface PullOptions {
  /** Re-hash every local file instead of trusting the hash cache. */
  force?: boolean;
  /** Also delete local files the revision does not have. */
  sync?: boolean;
}

export type { PullResult };

interface FoundFile {
  size: number;
  mtimeMs: number;
  mode: number;
  /** Undefined when it must be read to know it. */
  digest: string | undefined;
}

/** The local file at `abs`, if it is a regular file, with its digest if the hash cache knows it. */
function localFile(abs: string, path: string, hashes: Record<string, HashedFile>, force: boolean): FoundFile | undefined {
  const stat = lstatSync(abs, { throwIfNoEntry: false });
  if (!stat?.isFile()) return undefined;
  const digest = force ? undefined : cachedDigest(hashes, path, stat.size, stat.mtimeMs);
  return { size: stat.size, mtimeMs: stat.mtimeMs, mode: modeOf(stat.mode), digest };
}

/**
 * Makes every folder above `path` a real folder of the copy. A link or a file in the way is
 * refused: writing through a link could put the volume's bytes outside the volume.
 */
async function ensureParents(dir: string, path: string, made: Set<string>): Promise<void> {
  const parts = path.split('/').slice(0, -1);
  for (let i = 1; i <= parts.length; i++) {
    const sub = parts.slice(0, i).join('/');
    if (made.has(sub)) continue;
    const abs = join(dir, sub);
    // Another download may make the same folder at the same moment.
    await fs.mkdir(abs).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
    });
    if (!(await fs.lstat(abs)).isDirectory()) {
      throw new EveraiError('EVERAI_BAD_REQUEST', `cannot write ${quotePath(path)}: ${quotePath(sub)} in the local copy is not a folder`);
    }
    made.add(sub);
  }
}

/** Refuses to download `path` through a link, a file where a folder must be, or onto a folder. */
async function checkTarget(dir: string, path: string, made: Set<string>): Promise<void> {
  await ensureParents(dir, path, made);
  if (lstatSync(join(dir, path), { throwIfNoEntry: false })?.isDirectory()) {
    throw new EveraiError('EVERAI_BAD_REQUEST', `cannot write ${quotePath(path)}: a folder of that name is in the local copy`);
  }
}

/** Deletes what the copy has beyond `wanted`, then the folders that are left empty. */
async function deleteExtras(dir: string, wanted: ReadonlySet<string>): Promise<number> {
  let deleted = 0;
  const folders: string[] = [];
  for (const { path, abs, entry } of walk(dir)) {
    if (entry.isDirectory()) folders.push(abs);
    else if (!wanted.has(path)) {
      await fs.rm(abs, { force: true });
      deleted++;
    }
  }
  // Deepest first, so that a parent emptied by its children goes too.
  for (const folder of folders.reverse()) await fs.rmdir(folder).catch(() => undefined);
  return deleted;
}

/**
 * Whether the copy holds exactly the files of `meta.revision`, by the hash cache alone: every entry
 * a regular file or a folder (a link would be replaced by a pull) whose size and mtime the cache
 * vouches for, and together they make that revision's file list. Then a pull of that revision has
 * nothing to do, and need not even fetch the list. Returns the copy's stat digest then (the state
 * that spares the next pull this check), undefined otherwise.
 */
async function matchesCachedRevision(dir: string, meta: VolumeCacheMeta): Promise<string | undefined> {
  const entries: { path: string; abs: string }[] = [];
  try {
    for (const { path, abs, entry } of walk(dir)) {
      if (entry.isFile()) entries.push({ path, abs });
      else if (!entry.isDirectory()) return undefined;
    }
  } catch {
    return undefined; // no copy yet, or one being changed under us: the full pull sorts it out
  }
  const files: (VolumeFile & StatEntry)[] = [];
  let vouched = true;
  await forEachYielding(entries, ({ path, abs }) => {
    const local = vouched ? localFile(abs, path, meta.hashes, false) : undefined;
    if (local?.digest === undefined) vouched = false;
    else files.push({ path, digest: local.digest, size: local.size, mode: local.mode, mtimeMs: local.mtimeMs });
  });
  return vouched && canonicalFileList(files).digest === meta.listDigest ? statDigestOf(files) : undefined;
}

/**
 * Brings the local copy to the volume's newest revision: a file whose digest differs (by the hash
 * cache, or by hashing with `force`) is downloaded to a temp file, checked and renamed into place.
 */
export async function pullVolume(
  api: ApiClient,
  cache: VolumeCache,
  view: VolumeView,
  options: PullOptions,
  progress: TransferProgress,
): Promise<PullResult> {
  const ref = `${view.owner}/${view.name}`;
  const dir = cache.dir(view.id);
  const nothingToDo: PullResult = { revision: view.revision, files: view.files, downloadedFiles: 0, downloadedBytes: 0, deletedFiles: 0 };
  if (!options.force) {
    const state = await cache.loadState(view.id);
    if (describes(state, view) && (await copyStatDigest(dir)) === state.statDigest) return nothingToDo;
  }
  const meta: VolumeCacheMeta = (await cache.load(view.id)) ?? { id: view.id, name: view.name, owner: view.owner, revision: '', hashes: {} };
  const cached = meta.revision === view.revision && meta.listDigest !== undefined && meta.name === view.name && meta.owner === view.owner;
  const statDigest = cached && !options.force ? await matchesCachedRevision(dir, meta) : undefined;
  if (statDigest !== undefined) {
    await cache.saveState(view.id, { revision: view.revision, name: view.name, owner: view.owner, statDigest });
    return nothingToDo;
  }
  const list = await api.get<FileListView>(volumeApiPath(ref, `/revisions/${view.revision}/files`));
  await fs.mkdir(dir, { recursive: true });
  await fs.mkdir(cache.tmpDir, { recursive: true });
  const hashes: Record<string, HashedFile> = {};
  const missing: VolumeFile[] = [];
  // Stats first; then the files the hash cache does not vouch for are read, a few at once.
  const found = new Array<FoundFile | undefined>(list.files.length);
  await forEachYielding(list.files, (file, index) => {
    found[index] = localFile(join(dir, file.path), file.path, meta.hashes, options.force ?? false);
  });
  let hashedAnew = 0;
  await forEachLimited(list.files, TRANSFER_LANES, async (file, index) => {
    const abs = join(dir, file.path);
    const local = found[index];
    if (local && local.digest === undefined) hashedAnew++;
    const digest = local && (local.digest ?? (await hashFile(abs)));
    if (!local || digest !== file.digest) {
      missing.push(file);
      return;
    }
    hashes[file.path] = { size: local.size, mtimeMs: local.mtimeMs, digest };
    if (local.mode !== file.mode) await fs.chmod(abs, file.mode);
  });
  missing.sort(byPath);

  const made = new Set<string>();
  const bytes = missing.reduce((sum, f) => sum + f.size, 0);
  const temps = new Map<VolumeFile, string>();
  /** A downloaded file, checked, goes into place: the calls are synchronous, microseconds each. */
  const place = (file: VolumeFile) => {
    const tmp = temps.get(file) as string;
    chmodSync(tmp, file.mode);
    // rename replaces a link at `target` itself, never the file it points to.
    renameSync(tmp, join(dir, file.path));
    temps.delete(file);
    const stat = statSync(join(dir, file.path));
    hashes[file.path] = { size: stat.size, mtimeMs: stat.mtimeMs, digest: file.digest };
    progress.fileDone(file.path, file.size);
  };
  /** Where a file downloads to, once its folder is checked to be a real one of the copy. */
  const tempFor = (file: VolumeFile) => {
    const tmp = cache.tempPath();
    temps.set(file, tmp);
    return tmp;
  };
  if (missing.length > 0) progress.start(missing.length, bytes);
  try {
    await forEachLimited(inBatches(missing, (f) => f.size > BATCH_FILE_LIMIT), TRANSFER_LANES, async ({ files, batched }) => {
      for (const file of files) await checkTarget(dir, file.path, made);
      const onBytes = (n: number) => progress.advance(n);
      if (batched) await downloadBatch(api, ref, list.revision, files, tempFor, onBytes, place);
      else {
        const file = files[0] as VolumeFile;
        await downloadFile(api, ref, list.revision, file, tempFor(file), onBytes);
        place(file);
      }
    });
  } finally {
    // What broke off leaves no temp file behind.
    for (const tmp of temps.values()) rmSync(tmp, { force: true });
    if (missing.length > 0) progress.stop();
  }
  const deletedFiles = options.sync ? await deleteExtras(dir, new Set(list.files.map((f) => f.path))) : 0;
  // A copy that was up to date, by the cache alone, leaves the cache as it was: nothing to write.
  const upToDate = !options.sync && missing.length === 0 && hashedAnew === 0 && meta.revision === list.revision && meta.listDigest !== undefined;
  if (!upToDate || meta.name !== view.name || meta.owner !== view.owner) {
    // Hashes of local files beyond the revision still spare the next push a read, unless --sync deleted them.
    const kept = options.sync ? {} : meta.hashes;
    await cache.save({ ...meta, name: view.name, owner: view.owner, revision: list.revision, hashes: { ...kept, ...hashes }, listDigest: canonicalFileList(list.files).digest });
  }
  return { revision: list.revision, files: list.files.length, downloadedFiles: missing.length, downloadedBytes: bytes, deletedFiles };
}

