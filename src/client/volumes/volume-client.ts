import { promises as fs } from 'node:fs';
import type { ApiClient } from '../api-client';
import { volumeRoot } from '../config-file';
import { EveraiError } from '../../contract/errors';
import { EMPTY_REVISION } from '../../contract/volume-revision';
import { VOLUMES_API, volumeApiPath, type FileListView, type VolumeView } from '../../contract/volume-view';
import { progressOf, type TransferProgress } from './transfer-progress';
import { VolumeCache } from './volume-cache';
import { listLocalFiles } from './local-files';
import { unpushedFiles } from './unpushed-files';
import { ifExists } from '../../contract/if-exists';
import { quotePath } from '../../contract/volume-file';
import { pullVolume, type PullOptions, type PullResult } from './volume-pull';
import { pushVolume, type PushOptions, type PushResult } from './volume-push';

export type { PullResult, PushResult, TransferProgress, VolumeView };

/** A volume's local copy: its folder, named by the volume's id. */
export interface LocalCopy {
  id: string;
  path: string;
}

/** `true`: bars on stderr (plain lines when it is not a terminal); an object: reports to it. */
type ProgressOption = { progress?: boolean | TransferProgress };

/**
 * Volumes from the client side (docs/volumes.md): the platform's API plus the local copies under
 * `$EVERAI_VOLUME_ROOT/<id>`. The CLI's `everai volume ...` and the SDK's `context.volumeManager`
 * both call this class; keep its methods stable.
 *
 * A name is `NAME` (the caller's volume) or `OWNER/NAME` (a volume OWNER published: pull only).
 * How push and pull work is written down in docs/volumes.md.
 */
export class VolumeClient {
  readonly cache: VolumeCache;

  constructor(
    private readonly api: ApiClient,
    root: string = volumeRoot(),
  ) {
    this.cache = new VolumeCache(root);
  }

  /** Creates an empty volume (`000000-000`) and its empty local copy. */
  async create(name: string): Promise<VolumeView> {
    const { volume } = await this.api.request<{ volume: VolumeView }>('POST', VOLUMES_API, { name });
    await fs.mkdir(this.localPath(volume), { recursive: true });
    await this.cache.save({ id: volume.id, name: volume.name, owner: volume.owner, revision: EMPTY_REVISION, hashes: {} });
    return volume;
  }

  async get(name: string): Promise<VolumeView> {
    return (await this.api.get<{ volume: VolumeView }>(volumeApiPath(name))).volume;
  }

  /** The caller's own volumes, by name. */
  async list(): Promise<VolumeView[]> {
    return (await this.api.get<{ volumes: VolumeView[] }>(VOLUMES_API)).volumes;
  }

  /** Where the local copy of the volume is (whether or not it was pulled yet). */
  localPath(view: Pick<VolumeView, 'id'>): string {
    return this.cache.dir(view.id);
  }

  /** The files of a revision (default: the newest), sorted by path. */
  async files(name: string, revision = 'latest'): Promise<FileListView> {
    return this.api.get<FileListView>(volumeApiPath(name, `/revisions/${encodeURIComponent(revision)}/files`));
  }

  /** Makes the volume readable, never writable, by every user as `OWNER/NAME`. */
  async publish(name: string): Promise<VolumeView> {
    return (await this.api.request<{ volume: VolumeView }>('POST', volumeApiPath(name, ':publish'))).volume;
  }

  /** Deletes the volume on the platform; the local copy stays. */
  async deleteCloud(name: string): Promise<void> {
    await this.api.request('DELETE', volumeApiPath(name));
  }

  /**
   * The local copy `volume delete --local|--all` would remove, checked before anything is deleted:
   * found through the platform, or, for a volume the platform no longer has, through the copies'
   * metadata. Unless `force`, refuses when the copy holds files the platform lacks: edits not
   * pushed yet, or every file of a volume the platform no longer has. Undefined: there is none.
   */
  async localCopyToDelete(name: string, { force = false } = {}): Promise<LocalCopy | undefined> {
    const onPlatform = await this.get(name).catch((error: unknown) => {
      if (!(error instanceof EveraiError && error.code === 'EVERAI_NOT_FOUND')) throw error;
      return undefined;
    });
    const meta = await (onPlatform ? this.cache.load(onPlatform.id) : this.cache.findByName(name));
    const id = onPlatform?.id ?? meta?.id;
    if (id === undefined) return undefined;
    const path = this.cache.dir(id);
    if (!force && meta && (await ifExists(fs.stat(path)))) {
      const lost = onPlatform ? await unpushedFiles(this.api, path, meta) : (await listLocalFiles(path)).map((file) => file.path);
      if (lost.length > 0) throw keepsUnpushedWork(name, onPlatform !== undefined, lost);
    }
    return { id, path };
  }

  /** Deletes a local copy and what the client kept about it. */
  async deleteLocal(copy: LocalCopy): Promise<void> {
    await this.cache.remove(copy.id);
  }

  /**
   * Pushes the local copy as a new revision (see volume-push.ts). When others pushed meanwhile,
   * the platform merges (or refuses a path both changed, naming it) and the copy is then pulled
   * to the merged revision, so that it holds their files too.
   */
  async push(name: string, options: PushOptions & ProgressOption = {}): Promise<PushResult> {
    const view = await this.get(name);
    const { result, meta, state } = await pushVolume(this.api, this.cache, view, options, progressOf(options.progress, 'uploading'));
    // Undefined: the cache already says what the push found, and is not written again.
    if (meta) await this.cache.save(meta);
    if (state) await this.cache.saveState(view.id, state);
    if (result.merged && !options.updateOnly) await this.pull(name, { sync: true, progress: options.progress ?? false });
    return result;
  }

  /**
   * Brings the local copy to the newest revision (see volume-pull.ts). Given the volume's view
   * just read, it is not asked for again.
   */
  async pull(volume: string | VolumeView, options: PullOptions & ProgressOption = {}): Promise<PullResult> {
    const view = typeof volume === 'string' ? await this.get(volume) : volume;
    return pullVolume(this.api, this.cache, view, options, progressOf(options.progress, 'downloading'));
  }
}

/** Why a local copy stays: the files that would be lost, a few by name. */
function keepsUnpushedWork(name: string, onPlatform: boolean, paths: string[]): EveraiError {
  const shown = paths.slice(0, 3).map(quotePath).join(', ') + (paths.length > 3 ? ` and ${paths.length - 3} more` : '');
  const why = onPlatform
    ? `the local copy of volume '${name}' has changes not pushed yet (${shown}): push them (everai volume push ${name})`
    : `volume '${name}' is no longer on the platform, so its local copy is the only one left (${shown})`;
  return new EveraiError('EVERAI_CONFLICT', `${why}, or delete it anyway with --force`);
}
