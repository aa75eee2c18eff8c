import { EveraiError } from '../../contract/errors';
import { byPath, canonicalFileList, checkVolumePath, quotePath, type VolumeFile } from '../../contract/volume-file';
import { EMPTY_REVISION, revisionName } from '../../contract/volume-revision';
import { nowIso } from '../../contract/time';
import type { BlobStore } from '../blobs/blob-store';
import type { UserRecord, VolumeRecord, VolumeRevisionRecord } from '../store/records';
import type { Store } from '../store/store';
import type { FileLists } from './file-lists';
import type { Serial } from '../blobs/serial';
import { mergeFileLists } from './three-way-merge';
import type { CommitRequest, CommitView } from '../../contract/volume-view';

/** Commits that lose the race to another commit of the same volume merge again, this many times. */
const COMMIT_ATTEMPTS = 5;

export interface CommitDeps {
  store: Store;
  blobs: BlobStore;
  lists: FileLists;
  /** Shared with blob collection: a blob checked here cannot be collected before the commit lands. */
  blobGuard: Serial;
}

/** Every path valid, none twice, and no file where another file needs a folder (`a` and `a/b`). */
function checkFiles(files: readonly VolumeFile[]): VolumeFile[] {
  const sorted = [...files].sort(byPath);
  const paths = new Set<string>();
  for (const file of sorted) {
    checkVolumePath(file.path);
    if (paths.has(file.path)) throw new EveraiError('EVERAI_BAD_REQUEST', `file path ${quotePath(file.path)} is listed twice`);
    paths.add(file.path);
  }
  for (const path of paths) {
    for (let slash = path.indexOf('/'); slash >= 0; slash = path.indexOf('/', slash + 1)) {
      if (paths.has(path.slice(0, slash))) {
        throw new EveraiError('EVERAI_BAD_REQUEST', `file path ${quotePath(path)} is inside ${quotePath(path.slice(0, slash))}, which is a file`);
      }
    }
  }
  return sorted;
}

/**
 * `POST .../revisions`: makes `files` the volume's next revision, in one transaction, only when
 * every blob is in the store with the size the list claims. A base that is no longer the newest
 * revision is merged (three-way-merge.ts); a list equal to the newest revision's makes none.
 */
export class RevisionCommit {
  constructor(private readonly deps: CommitDeps) {}

  async commit(volume: VolumeRecord, user: UserRecord, request: CommitRequest): Promise<CommitView> {
    const pushed = checkFiles(request.files);
    const base = await this.filesAt(volume, request.baseRevision);
    for (let attempt = 0; attempt < COMMIT_ATTEMPTS; attempt++) {
      const current = await this.deps.store.volumes.latestRevision(volume.id);
      const currentName = current?.name ?? EMPTY_REVISION;
      const merged = currentName !== request.baseRevision;
      let files = pushed;
      if (merged) {
        const outcome = mergeFileLists(base, current ? await this.deps.lists.read(current.fileListDigest) : [], pushed);
        if ('conflict' in outcome) {
          throw new EveraiError(
            'EVERAI_CONFLICT',
            `${quotePath(outcome.conflict)} was changed both by this push and by revision ${currentName}, pushed since ${request.baseRevision}: nothing was committed; copy your version aside, pull (which overwrites it), apply it again and push`,
          );
        }
        files = outcome.files;
      }
      const view = { merged, mergedWith: merged ? currentName : null };
      const { digest } = canonicalFileList(files);
      if (digest === (current?.fileListDigest ?? canonicalFileList([]).digest)) return { revision: currentName, created: false, ...view };
      const record = await this.deps.blobGuard.run(() => this.insert(volume, user, current, files));
      if (record) return { revision: record.name, created: true, ...view };
    }
    throw new EveraiError('EVERAI_CONFLICT', `volume '${volume.name}' kept changing while this push committed: push again`);
  }

  /** The files of a named revision of the volume; `000000-000` has none. */
  async filesAt(volume: VolumeRecord, revision: string): Promise<VolumeFile[]> {
    if (revision === EMPTY_REVISION) return [];
    const record = await this.deps.store.volumes.revision(volume.id, revision);
    if (!record) throw new EveraiError('EVERAI_NOT_FOUND', `volume '${volume.name}' has no revision '${revision}'`);
    return this.deps.lists.read(record.fileListDigest);
  }

  /**
   * Which of `digests` the user may name in the volume: the ones it already holds, and the ones
   * the user uploaded. A digest alone proves nothing, so naming another user's blob reads nothing.
   */
  async held(user: UserRecord, current: VolumeRevisionRecord | undefined, digests: Iterable<string>): Promise<Set<string>> {
    const held = await this.deps.store.volumes.claimedBlobs(user.id, digests);
    for (const file of current ? await this.deps.lists.read(current.fileListDigest) : []) held.add(file.digest);
    return held;
  }

  /** Undefined when another commit took the next revision first. */
  private async insert(
    volume: VolumeRecord,
    user: UserRecord,
    current: VolumeRevisionRecord | undefined,
    files: VolumeFile[],
  ): Promise<VolumeRevisionRecord | undefined> {
    await this.requireBlobs(files, await this.held(user, current, files.map((f) => f.digest)));
    const fileListDigest = await this.deps.lists.write(files);
    const seq = (current?.seq ?? 0) + 1;
    const record: VolumeRevisionRecord = {
      volumeId: volume.id,
      seq,
      name: revisionName(seq, fileListDigest),
      fileListDigest,
      files: files.length,
      size: files.reduce((sum, f) => sum + f.size, 0),
      createdAt: nowIso(),
    };
    const { store } = this.deps;
    try {
      return await store.transaction(async (tx) => {
        if ((await tx.volumes.latestRevision(volume.id))?.seq !== current?.seq) return undefined;
        await tx.volumes.addRevision(record);
        return record;
      });
    } catch (error) {
      // The check above locks nothing on PostgreSQL: a commit racing past it loses on the
      // revision's key instead, and tries again like one that lost the check.
      if (error instanceof EveraiError && error.code === 'EVERAI_CONFLICT') return undefined;
      throw error;
    }
  }

  /** Touching each blob also keeps blob collection off it for a grace period. */
  private async requireBlobs(files: readonly VolumeFile[], held: ReadonlySet<string>): Promise<void> {
    const sizes = await this.deps.blobs.touchAll(new Set(files.map((f) => f.digest).filter((digest) => held.has(digest))));
    for (const file of files) {
      const size = sizes.get(file.digest);
      if (size === undefined) {
        throw new EveraiError('EVERAI_BAD_REQUEST', `blob ${file.digest} of ${quotePath(file.path)} was never uploaded: upload it first (PUT .../blobs/${file.digest})`);
      }
      if (size !== file.size) {
        throw new EveraiError('EVERAI_BAD_REQUEST', `${quotePath(file.path)} says ${file.size} bytes, but its blob ${file.digest} holds ${size}`);
      }
    }
  }
}
