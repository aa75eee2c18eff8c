import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import type { ApiClient } from '../api-client';
import { BATCH_FILE_LIMIT } from '../../contract/blob-batch';
import { EveraiError } from '../../contract/errors';
import type { PushResult } from '../../contract/volume-transfer';
import { byPath, canonicalFileList, type VolumeFile } from '../../contract/volume-file';
import { EMPTY_REVISION } from '../../contract/volume-revision';
import { volumeApiPath, type CommitRequest, type CommitView, type FileListView, type MissingBlobsView, type VolumeView } from '../../contract/volume-view';
import { uploadAll, type Upload } from './push-uploads';
import { describes, statDigestOf, type CopyState } from './copy-state';
import { cachedDigest, hashFile } from './file-digest';
import { likelyHeld } from './likely-held';
import { listLocalFiles, type LocalFile } from './local-files';
import { forEachLimited, TRANSFER_LANES } from './parallel';
import type { TransferProgress } from './transfer-progress';
import type { HashedFile, VolumeCache, VolumeCacheMeta } from './volume-cache';
import { ifExists } from '../../contract/if-exists';

export interface PushOptions {
  /** Keep the files of the base revision that the local copy lacks, instead of deleting them. */
  updateOnly?: boolean;
}

export type { PushResult };

export interface HashedLocalFile extends LocalFile {
  digest: string;
}

/** Digests of the local files, read only where size or mtime changed since the last hash. */
export async function hashAll(files: readonly LocalFile[], hashes: Record<string, HashedFile>): Promise<HashedLocalFile[]> {
  const hashed: HashedLocalFile[] = [];
  const unknown: LocalFile[] = [];
  // The cache's answers first, with no promise each: an unchanged push of 10,000 files reads none.
  for (const file of files) {
    const digest = cachedDigest(hashes, file.path, file.size, file.mtimeMs);
    if (digest === undefined) unknown.push(file);
    else hashed.push({ ...file, digest });
  }
  await forEachLimited(unknown, TRANSFER_LANES, async (file) => {
    hashed.push({ ...file, digest: await hashFile(file.source) });
  });
  return hashed.sort(byPath);
}

/**
 * The name of the upload of a file whose digest is not known yet: the same for the same volume,
 * path, size and mtime, so that a push run again after a break goes on with the bytes the
 * platform holds, and a file changed since starts a new one.
 */
export function uploadIdOf(volumeId: string, file: Pick<LocalFile, 'path' | 'size' | 'mtimeMs'>): string {
  return createHash('sha256')
    .update(JSON.stringify([volumeId, file.path, file.size, file.mtimeMs]))
    .digest('hex');
}

/**
 * The files hashed as they are uploaded rather than before: ones the hash cache knows nothing of
 * at their size, so most likely new or rewritten, and read once so (a large one streamed up as an
 * upload hashed as it goes, small ones hashed in their batch, which asks the platform before it
 * sends). Hashed first, so that bytes the platform holds are not sent again: one the cache knows
 * at the same size (only touched, most likely), and a large one likely held (likelyHeld: renamed,
 * or copied from another volume), where a second read costs far less than sending a model again.
 */
async function toHashAsUploaded(listed: readonly LocalFile[], meta: VolumeCacheMeta, cache: VolumeCache): Promise<Set<LocalFile>> {
  const unknown = listed.filter((f) => meta.hashes[f.path]?.size !== f.size);
  const large = unknown.filter((f) => f.size > BATCH_FILE_LIMIT);
  if (large.length === 0) return new Set(unknown);
  const held = likelyHeld(large, await cache.knownFiles(meta));
  return new Set(unknown.filter((f) => !held.has(f)));
}

/** What a push that finds nothing to send answers: what the commit would, without its two round trips. */
function unchanged(view: VolumeView): PushResult {
  return { revision: view.revision, created: false, uploadedFiles: 0, uploadedBytes: 0, merged: false, mergedWith: null };
}

/**
 * Pushes a local copy as the volume's next revision: hash what the cache knows at its size, ask
 * which blobs the platform lacks, upload only those and the files hashed as they go up
 * (toHashAsUploaded), then commit the file list against the revision the copy came from. Nothing
 * is visible before the commit, so a push that breaks off leaves the last revision current and
 * whole; run again, it uploads only what is still missing. Returns, beside the result, what the
 * volume cache should now hold: undefined when it holds that already.
 */
export async function pushVolume(
  api: ApiClient,
  cache: VolumeCache,
  view: VolumeView,
  options: PushOptions,
  progress: TransferProgress,
): Promise<{ result: PushResult; meta: VolumeCacheMeta | undefined; state: CopyState | undefined }> {
  const ref = `${view.owner}/${view.name}`;
  const dir = cache.dir(view.id);
  if (!(await ifExists(fs.stat(dir)))?.isDirectory()) {
    throw new EveraiError('EVERAI_NOT_FOUND', `volume '${view.name}' has no local copy at ${dir}: pull it first (everai volume pull ${view.name})`);
  }
  const listed = await listLocalFiles(dir);
  // The copy as it was last found to be the volume's revision, which it still is: nothing to push.
  const statDigest = listed.some((f) => f.link) ? undefined : statDigestOf(listed);
  const stateNow = (revision: string): CopyState | undefined => (statDigest === undefined ? undefined : { revision, name: view.name, owner: view.owner, statDigest });
  const state = await cache.loadState(view.id);
  if (!options.updateOnly && describes(state, view) && statDigest === state.statDigest) {
    return { result: unchanged(view), meta: undefined, state: undefined };
  }
  const meta: VolumeCacheMeta = (await cache.load(view.id)) ?? { id: view.id, name: view.name, owner: view.owner, revision: EMPTY_REVISION, hashes: {} };
  const unhashed = await toHashAsUploaded(listed, meta, cache);
  const unhashedLarge = [...unhashed].filter((f) => f.size > BATCH_FILE_LIMIT);
  const unhashedSmall = [...unhashed].filter((f) => f.size <= BATCH_FILE_LIMIT);
  const local = await hashAll(
    listed.filter((f) => !unhashed.has(f)),
    meta.hashes,
  );
  if (!options.updateOnly && unhashed.size === 0 && meta.revision === view.revision && meta.listDigest === canonicalFileList(local).digest) {
    // The commit would make no revision: the answer it would give, without the two round trips.
    const sameCache = meta.name === view.name && meta.owner === view.owner && local.length === Object.keys(meta.hashes).length && local.every((f) => cachedDigest(meta.hashes, f.path, f.size, f.mtimeMs) !== undefined);
    const hashes = () => Object.fromEntries(local.map((f) => [f.path, { size: f.size, mtimeMs: f.mtimeMs, digest: f.digest }]));
    return { result: unchanged(view), meta: sameCache ? undefined : { ...meta, name: view.name, owner: view.owner, hashes: hashes() }, state: stateNow(view.revision) };
  }

  const bySource = new Map(local.map((f) => [f.digest, f]));
  const uploadIds = unhashedLarge.map((f) => uploadIdOf(view.id, f));
  const asked = await api.request<MissingBlobsView>('POST', volumeApiPath(ref, '/blobs:missing'), {
    digests: [...bySource.keys()],
    ...(uploadIds.length > 0 ? { uploads: uploadIds } : {}),
  });
  // A file whose upload broke off (a push killed half-way) goes on from the bytes the platform holds.
  const uploads: Upload[] = [
    ...asked.missing
      .map((digest) => bySource.get(digest))
      .filter((f): f is HashedLocalFile => f !== undefined)
      .map((f): Upload => ({ ...f, offset: Math.min(asked.held[f.digest] ?? 0, f.size) })),
    ...unhashedLarge.map((f, i): Upload => {
      const upload = uploadIds[i] as string;
      return { ...f, upload, offset: Math.min(asked.uploads?.[upload] ?? 0, f.size) };
    }),
  ];
  // Once stored, a large file's upload is gone: the digest is saved to the hash cache at once, so
  // that a push run again after a break asks for it by digest instead of sending it whole again.
  const stored: Record<string, HashedFile> = {};
  let saved = Promise.resolve();
  const onStored = (file: LocalFile, digest: string): Promise<void> => {
    stored[file.path] = { size: file.size, mtimeMs: file.mtimeMs, digest };
    const next = { ...meta, hashes: { ...meta.hashes, ...stored } };
    saved = saved.then(() => cache.save(next));
    return saved;
  };
  const sent = await uploadAll(api, ref, { uploads, unhashed: unhashedSmall, onStored }, progress);
  const pushed = [...local, ...[...unhashedLarge, ...unhashedSmall].map((f) => ({ ...f, digest: sent.digests.get(f.path) as string }))].sort(byPath);
  const files: VolumeFile[] = pushed.map(({ path, digest, size, mode }) => ({ path, digest, size, mode }));
  const hashes = Object.fromEntries(pushed.map((f) => [f.path, { size: f.size, mtimeMs: f.mtimeMs, digest: f.digest }]));
  if (options.updateOnly && meta.revision !== EMPTY_REVISION) {
    const here = new Set(files.map((f) => f.path));
    const base = await api.get<FileListView>(volumeApiPath(ref, `/revisions/${meta.revision}/files`));
    files.push(...base.files.filter((f) => !here.has(f.path)));
  }

  const commit = await api.request<CommitView>('POST', volumeApiPath(ref, '/revisions'), {
    baseRevision: meta.revision,
    files,
  } satisfies CommitRequest);
  const keptBase = commit.merged && !options.updateOnly;
  return {
    result: { revision: commit.revision, created: commit.created, uploadedFiles: sent.files, uploadedBytes: sent.bytes, merged: commit.merged, mergedWith: commit.mergedWith },
    // The copy is the new revision unless others' files were merged in, or -u kept the base's.
    state: commit.merged || options.updateOnly ? undefined : stateNow(commit.revision),
    // After a merge the copy lacks what others pushed; until a pull brings it, the old base stays,
    // so that the next push merges again instead of deleting their files.
    meta: {
      ...meta,
      name: view.name,
      owner: view.owner,
      revision: keptBase ? meta.revision : commit.revision,
      hashes,
      // Unmerged, the new revision holds exactly `files`; merged, its list is not known here.
      listDigest: keptBase ? meta.listDigest : commit.merged ? undefined : canonicalFileList(files).digest,
    },
  };
}
