import type { Readable, Writable } from 'node:stream';
import { EveraiError } from '../../contract/errors';
import { newId } from '../../contract/ids';
import { nowIso } from '../../contract/time';
import { checkVolumeName } from '../../contract/volume-name';
import { quotePath, type VolumeFile } from '../../contract/volume-file';
import { EMPTY_REVISION } from '../../contract/volume-revision';
import type { BlobStore } from '../blobs/blob-store';
import { parseDigest } from '../blobs/digest';
import type { UserRecord, VolumeRecord } from '../store/records';
import type { Store } from '../store/store';
import { FileLists } from './file-lists';
import { storeBlobBatch } from './blob-batch-store';
import { RevisionCommit } from './revision-commit';
import { Serial } from '../blobs/serial';
import { VolumeAccess } from './volume-access';
import { appsPinning, describePins } from './volume-pins';
import { checkUploadId, type CommitRequest, type CommitView, type FileListView, type MissingBlobsView, type VolumeView } from '../../contract/volume-view';

/** What an app pins of a volume: its newest revision and that revision's files. */
export interface ResolvedVolume {
  volumeId: string;
  /** As the app asked for it: `NAME` or `OWNER/NAME`. */
  name: string;
  revision: string;
  files: VolumeFile[];
}

/** A file of a revision, to download: `send` writes its bytes to a response (BlobStore.send). */
export interface OpenedFile {
  file: VolumeFile;
  send(target: Writable): Promise<number>;
}

/** Files of a revision, to download together: `send` writes each, after the bytes `lineOf` gives for it, to a response (BlobStore.sendAll). */
export interface OpenedFiles {
  files: VolumeFile[];
  send(target: Writable, lineOf: (file: VolumeFile) => Buffer): Promise<number>;
}

/** A user resumes only their own uploads: bytes someone else sent are never theirs to complete and claim. */
function uploadKey(user: UserRecord, digest: string): string {
  return `${user.id}/${digest}`;
}

/**
 * An upload whose digest comes at its end (`PUT .../uploads/ID`): the client names it, and it is
 * kept under the caller's own key, so one user can neither see nor add to nor finish another's.
 */
function sessionKey(user: UserRecord, upload: string): string {
  checkUploadId(upload);
  return `${user.id}/upload/${upload}`;
}

/** The revision `latest` names the newest one in file routes. */
const LATEST = 'latest';

/**
 * Volumes and their revisions on the server: every method checks what the caller may
 * do (volume-access.ts). File bytes are blobs in the shared blob store, file lists too; the
 * commit, merge and collection rules are written down in docs/volumes.md.
 */
export class VolumeService {
  /** Serialises what checks or touches blobs (missing, commit) with blob collection's deletes. */
  readonly blobGuard = new Serial();
  private readonly access: VolumeAccess;
  private readonly lists: FileLists;
  private readonly commits: RevisionCommit;

  constructor(private readonly deps: { store: Store; blobs: BlobStore }) {
    this.access = new VolumeAccess(deps.store);
    this.lists = new FileLists(deps.blobs);
    this.commits = new RevisionCommit({ ...deps, lists: this.lists, blobGuard: this.blobGuard });
  }

  async create(user: UserRecord, name: string): Promise<VolumeView> {
    checkVolumeName(name);
    const now = nowIso();
    const volume: VolumeRecord = { id: newId(), name, ownerId: user.id, status: 'Private', createdAt: now, updatedAt: now };
    const created = await this.deps.store.transaction(async (tx) => {
      if (await tx.volumes.byName(user.id, name)) return false;
      await tx.volumes.create(volume);
      return true;
    });
    if (!created) throw new EveraiError('EVERAI_CONFLICT', `volume '${name}' already exists`);
    return this.view(volume);
  }

  async list(user: UserRecord): Promise<VolumeView[]> {
    return Promise.all((await this.deps.store.volumes.list(user.id)).map((v) => this.view(v)));
  }

  async get(user: UserRecord, ref: string): Promise<VolumeView> {
    return this.view(await this.access.readable(user, ref));
  }

  /** The volume and its revisions go at once; their blobs later, with blob collection. */
  async delete(user: UserRecord, ref: string): Promise<void> {
    const volume = await this.access.owned(user, ref);
    const pinning = await appsPinning(this.deps.store, volume.id);
    if (pinning.length > 0) {
      throw new EveraiError('EVERAI_CONFLICT', `volume '${ref}' is in use by ${describePins(pinning, user.id)}: delete those apps, or upgrade them off it, first`);
    }
    await this.deps.store.volumes.delete(volume.id);
  }

  async publish(user: UserRecord, ref: string): Promise<VolumeView> {
    const volume = await this.access.owned(user, ref);
    await this.deps.store.volumes.setStatus(volume.id, 'Public');
    return this.view({ ...volume, status: 'Public' });
  }

  /**
   * Which of `digests` the caller must upload: the ones the platform lacks, and the ones it has
   * from others only (see RevisionCommit.held), so that this answers nothing about others' files.
   * The ones it has are touched, so that they stay until the commit. `held` counts only the
   * caller's own broken-off uploads.
   */
  async missingBlobs(user: UserRecord, ref: string, digests: readonly string[], uploads: readonly string[] = []): Promise<MissingBlobsView> {
    const volume = await this.access.owned(user, ref);
    digests.forEach(parseDigest);
    const current = await this.deps.store.volumes.latestRevision(volume.id);
    const held = await this.commits.held(user, current, digests);
    // What the newest revision names, collection keeps anyway: a touch each (a call per file, 10,000
    // for an unchanged push of 10,000 files) would add nothing.
    const listed = new Set((current ? await this.lists.read(current.fileListDigest) : []).map((f) => f.digest));
    const unlisted = [...new Set(digests)].filter((digest) => !listed.has(digest));
    const missing = await this.blobGuard.run(async () => {
      const present = await this.deps.blobs.touchAll(unlisted.filter((digest) => held.has(digest)));
      return unlisted.filter((digest) => !present.has(digest));
    });
    const partial: Record<string, number> = {};
    for (const digest of missing) {
      const bytes = await this.deps.blobs.partialSize(uploadKey(user, digest));
      if (bytes > 0) partial[digest] = bytes;
    }
    const sessions: Record<string, number> = {};
    for (const upload of new Set(uploads)) {
      const bytes = await this.deps.blobs.partialSize(sessionKey(user, upload));
      if (bytes > 0) sessions[upload] = bytes;
    }
    return { missing, held: partial, uploads: sessions };
  }

  /**
   * Stores `body` as blob `digest` from byte `offset` on (what an upload that broke off left is
   * kept), refused unless all its bytes hash to it; nothing partial is ever visible.
   */
  async putBlob(user: UserRecord, ref: string, digest: string, upload: { body: Readable; offset: number; signal: AbortSignal }): Promise<{ digest: string; size: number }> {
    parseDigest(digest);
    await this.access.owned(user, ref);
    const written = await this.deps.blobs.writeResumable(uploadKey(user, digest), upload.offset, upload.body, digest, upload.signal);
    await this.deps.store.volumes.claimBlob(user.id, digest);
    return written;
  }

  /**
   * Appends `body` to the caller's upload `upload` from byte `offset` on (which must be what the
   * platform holds of it); returns the bytes it holds now. Nothing is visible until finishUpload.
   */
  async appendUpload(user: UserRecord, ref: string, upload: string, part: { body: Readable; offset: number; signal: AbortSignal }): Promise<number> {
    const key = sessionKey(user, upload);
    await this.access.owned(user, ref);
    return this.deps.blobs.appendResumable(key, part.offset, part.body, part.signal);
  }

  /**
   * Stores the caller's upload `upload` as a blob if its bytes, hashed by the platform as they
   * arrived, are `digest` (what the client hashed as it sent them); else they are deleted and
   * nothing is stored.
   */
  async finishUpload(user: UserRecord, ref: string, upload: string, digest: string): Promise<{ digest: string; size: number }> {
    const key = sessionKey(user, upload);
    parseDigest(digest);
    await this.access.owned(user, ref);
    const written = await this.deps.blobs.finishResumable(key, digest);
    await this.deps.store.volumes.claimBlob(user.id, written.digest);
    return written;
  }

  /** Throws unless `user` may push to the volume (as every write route does, before reading a body). */
  async checkWritable(user: UserRecord, ref: string): Promise<void> {
    await this.access.owned(user, ref);
  }

  /**
   * Stores the blobs of a batch as it streams in (blob-batch-store.ts), each refused unless its
   * bytes hash to its digest; those before a refused one stay stored, as separate uploads would.
   */
  async putBlobBatch(user: UserRecord, ref: string, body: AsyncIterable<Buffer>): Promise<{ stored: number; bytes: number }> {
    await this.access.owned(user, ref);
    const stored: string[] = [];
    let bytes = 0;
    try {
      await storeBlobBatch(this.deps.blobs, body, (digest, size) => {
        stored.push(digest);
        bytes += size;
      });
    } finally {
      // One transaction for the batch's claims: a commit each cost more than writing a small blob.
      await this.deps.store.transaction(async (tx) => {
        for (const digest of stored) await tx.volumes.claimBlob(user.id, digest);
      });
    }
    return { stored: stored.length, bytes };
  }

  async fileList(user: UserRecord, ref: string, revision: string): Promise<FileListView> {
    const volume = await this.access.readable(user, ref);
    const name = revision === LATEST ? await this.latestName(volume) : revision;
    return { revision: name, files: await this.commits.filesAt(volume, name) };
  }

  /** One file of a revision, to stream: blobs are only ever read through a volume the caller may read. */
  async openFile(user: UserRecord, ref: string, revision: string, path: string): Promise<OpenedFile> {
    const { files } = await this.fileList(user, ref, revision);
    const file = files.find((f) => f.path === path);
    if (!file) throw new EveraiError('EVERAI_NOT_FOUND', `volume '${ref}' has no file ${quotePath(path)} in revision ${revision}`);
    return this.opened(file);
  }

  /**
   * Files of a revision by path, in the order asked, with a way to stream them all, for a batched
   * download; refused whole (before any byte) when one is not in the revision.
   */
  async openFiles(user: UserRecord, ref: string, revision: string, paths: readonly string[]): Promise<OpenedFiles> {
    const { files } = await this.fileList(user, ref, revision);
    const byPath = new Map(files.map((f) => [f.path, f]));
    const asked = paths.map((path) => {
      const file = byPath.get(path);
      if (!file) throw new EveraiError('EVERAI_NOT_FOUND', `volume '${ref}' has no file ${quotePath(path)} in revision ${revision}`);
      return file;
    });
    return {
      files: asked,
      // An empty file is sent without touching the store.
      send: (target, lineOf) => this.deps.blobs.sendAll(asked.flatMap((file) => [lineOf(file), ...(file.size === 0 ? [] : [file])]), target),
    };
  }

  async commit(user: UserRecord, ref: string, request: CommitRequest): Promise<CommitView> {
    return this.commits.commit(await this.access.owned(user, ref), user, request);
  }

  /** For apps that pin a volume: its newest revision, read as `user` (their own, or a published one). */
  async resolve(user: UserRecord, name: string): Promise<ResolvedVolume> {
    const volume = await this.access.readable(user, name);
    const revision = await this.latestName(volume);
    return { volumeId: volume.id, name, revision, files: await this.commits.filesAt(volume, revision) };
  }

  /** The files of a revision an app pinned; no access check (the pin was checked when made). */
  async revisionFiles(volumeId: string, revision: string): Promise<VolumeFile[]> {
    const volume = await this.deps.store.volumes.get(volumeId);
    if (!volume) throw new EveraiError('EVERAI_NOT_FOUND', `volume ${volumeId} not found (deleted?)`);
    return this.commits.filesAt(volume, revision);
  }

  /** Every blob a revision of any volume needs: its file list and its files. */
  async *referencedBlobs(): AsyncIterable<string> {
    for (const listDigest of await this.deps.store.volumes.fileListDigests()) {
      yield listDigest;
      for (const file of await this.lists.readOnce(listDigest)) yield file.digest;
    }
  }

  private opened(file: VolumeFile): OpenedFile {
    // An empty file is sent without touching the store.
    return { file, send: async (target) => (file.size === 0 ? 0 : this.deps.blobs.send(file.digest, { start: 0, end: file.size - 1 }, target)) };
  }

  private async latestName(volume: VolumeRecord): Promise<string> {
    return (await this.deps.store.volumes.latestRevision(volume.id))?.name ?? EMPTY_REVISION;
  }

  private async view(volume: VolumeRecord): Promise<VolumeView> {
    const latest = await this.deps.store.volumes.latestRevision(volume.id);
    return {
      id: volume.id,
      name: volume.name,
      owner: (await this.deps.store.users.get(volume.ownerId))?.name ?? '',
      status: volume.status,
      revision: latest?.name ?? EMPTY_REVISION,
      files: latest?.files ?? 0,
      size: latest?.size ?? 0,
      createdAt: volume.createdAt,
      updatedAt: volume.updatedAt,
    };
  }
}
