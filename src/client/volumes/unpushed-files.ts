import type { ApiClient } from '../api-client';
import { EMPTY_REVISION } from '../../contract/volume-revision';
import { volumeApiPath, type FileListView } from '../../contract/volume-view';
import { listLocalFiles } from './local-files';
import type { VolumeCacheMeta } from './volume-cache';
import { hashAll } from './volume-push';

/**
 * The paths of a local copy whose bytes the platform does not hold at that path in the revision
 * the copy was last pulled at or pushed as: what deleting the copy would lose. A file the copy
 * lacks is not among them (the platform still has it). Hashes only files whose size or mtime
 * changed since the last hash.
 */
export async function unpushedFiles(api: ApiClient, dir: string, meta: VolumeCacheMeta): Promise<string[]> {
  const local = await hashAll(await listLocalFiles(dir), meta.hashes);
  if (local.length === 0) return [];
  const pushed =
    meta.revision === EMPTY_REVISION
      ? []
      : (await api.get<FileListView>(volumeApiPath(`${meta.owner}/${meta.name}`, `/revisions/${meta.revision}/files`))).files;
  const digests = new Map(pushed.map((file) => [file.path, file.digest]));
  return local.filter((file) => digests.get(file.path) !== file.digest).map((file) => file.path);
}
