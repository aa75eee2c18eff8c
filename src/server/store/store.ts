import type {
  AppRecord,
  AppRevisionRecord,
  EventRecord,
  EventType,
  ImageTagRecord,
  KeyValueRecord,
  ManifestRecord,
  NamespaceRecord,
  UserRecord,
  VolumeRecord,
  VolumeRevisionRecord,
  WorkerRecord,
} from './records';
import type { KeyValueKind } from '../secrets/key-value-source';

/**
 * The state store: everything the platform must remember across a restart.
 * SQLite is the embedded default (store/sqlite), PostgreSQL the one for a server that must outlive
 * its machine (store/postgres); both share their queries (store/sql). docs/store.md has the contract.
 * Each method is atomic on its own; `transaction` groups several.
 */
export interface StoreHandle {
  users: UserStore;
  namespaces: NamespaceStore;
  apps: AppStore;
  workers: WorkerStore;
  events: EventStore;
  images: ImageStore;
  volumes: VolumeStore;
  keyValues: KeyValueStore;
  /**
   * Runs `work` with a handle of its own: either all of the writes made through `tx` land or none
   * do. Calls on the outer store meanwhile are no part of it (they do not join it, and a rollback
   * does not undo them). On a transaction's own handle this joins that transaction, so a function
   * handed `tx` may group its writes without knowing whether it already is in one.
   */
  // A property, not a method: a handle's `transaction` is passed around without its object.
  transaction: <T>(work: (tx: StoreHandle) => Promise<T>) => Promise<T>;
}

export interface Store extends StoreHandle {
  /** The lease on running the controller, among the servers that share this store. */
  controllerLease(): StoreLease;
  close(): Promise<void>;
}

/** Held by one server at a time: a second one on the same database waits for it. */
export interface StoreLease {
  /** Takes the lease if it is free; false (at once, without waiting) if another server holds it. */
  tryAcquire(): Promise<boolean>;
  /** `listener` runs when a held lease is lost (its connection dropped): another server may hold it now. */
  onLost(listener: () => void): void;
  release(): Promise<void>;
}

export interface UserStore {
  create(user: UserRecord): Promise<void>;
  byTokenHash(tokenHash: string): Promise<UserRecord | undefined>;
  byName(name: string): Promise<UserRecord | undefined>;
  get(id: string): Promise<UserRecord | undefined>;
  count(): Promise<number>;
  /** Every user, by name. */
  list(): Promise<UserRecord[]>;
  setTokenHash(id: string, tokenHash: string): Promise<void>;
  /**
   * Deletes the user and every object they own: apps (with revisions, workers and events),
   * namespaces, volumes, image repositories, blob claims. The caller stops their workers first.
   */
  delete(id: string): Promise<void>;
}

/** A user's namespaces; every user has `default` from creation on. */
export interface NamespaceStore {
  create(namespace: NamespaceRecord): Promise<void>;
  get(ownerId: string, name: string): Promise<NamespaceRecord | undefined>;
  /** The owner's namespaces, by name. */
  list(ownerId: string): Promise<NamespaceRecord[]>;
  delete(ownerId: string, name: string): Promise<void>;
}

export interface AppFilter {
  ownerId?: string;
  namespace?: string;
}

export interface AppStore {
  create(app: AppRecord): Promise<void>;
  update(id: string, changes: Partial<Omit<AppRecord, 'id'>>): Promise<void>;
  delete(id: string): Promise<void>;
  get(id: string): Promise<AppRecord | undefined>;
  /** App names are unique per owner and namespace: two users may each have `default/get-start`. */
  byName(ownerId: string, namespace: string, name: string): Promise<AppRecord | undefined>;
  byRouteName(routeName: string): Promise<AppRecord | undefined>;
  list(filter?: AppFilter): Promise<AppRecord[]>;
  addRevision(revision: AppRevisionRecord): Promise<void>;
  revision(appId: string, revision: number): Promise<AppRevisionRecord | undefined>;
  revisions(appId: string): Promise<AppRevisionRecord[]>;
  /** Counts one more failed worker of the revision; returns its failures in a row now. */
  countFailure(appId: string, revision: number): Promise<number>;
  /**
   * Each FAILED app's failed workers in a row on its target revision, by app id (none: not there):
   * what a reconcile pass reads to tell a halted rollout, for every app at once.
   */
  failuresOfFailedApps(): Promise<Map<string, number>>;
  /** A worker of the revision proved stable: its failures so far no longer count. */
  forgiveFailures(appId: string, revision: number): Promise<void>;
  /** Records why a rollout of the revision was halted: it failed, and stays marked so (docs/rollout.md). */
  haltRevision(appId: string, revision: number, reason: string): Promise<void>;
  /** Why each of the app's halted revisions was halted, by revision number; the others are absent. */
  haltReasons(appId: string): Promise<Map<number, string>>;
}

export interface WorkerStore {
  create(worker: WorkerRecord): Promise<void>;
  update(id: string, changes: Partial<Omit<WorkerRecord, 'id' | 'appId'>>): Promise<void>;
  get(id: string): Promise<WorkerRecord | undefined>;
  /** Every worker of the app, oldest first. */
  listByApp(appId: string): Promise<WorkerRecord[]>;
  /** Workers not yet TERMINATED or ERROR, across all apps. */
  listLive(): Promise<WorkerRecord[]>;
  /** The app's workers not yet TERMINATED or ERROR, oldest first: what a reconcile pass works with. */
  listLiveByApp(appId: string): Promise<WorkerRecord[]>;
  /** Drops TERMINATED and ERROR workers gone (`deletedAt`) before `before`; returns how many went. */
  prune(before: string): Promise<number>;
}

export interface EventStore {
  add(appId: string, type: EventType, from: string, message: string): Promise<void>;
  /** Newest first. */
  list(appId: string, limit: number): Promise<EventRecord[]>;
  /** Drops events older than `before`; returns how many went. */
  prune(before: string): Promise<number>;
}

export interface ImageStore {
  putManifest(manifest: ManifestRecord): Promise<void>;
  manifest(repository: string, digest: string): Promise<ManifestRecord | undefined>;
  setTag(tag: ImageTagRecord): Promise<void>;
  tag(repository: string, tag: string): Promise<ImageTagRecord | undefined>;
  tags(repository: string): Promise<string[]>;
  /** The user that owns a repository (its first pusher); undefined for a new repository. */
  repositoryOwner(repository: string): Promise<string | undefined>;
  claimRepository(repository: string, ownerId: string): Promise<void>;
  /** Records that the repository holds the blob (pushed or mounted into it). */
  linkBlob(repository: string, digest: string): Promise<void>;
  hasBlob(repository: string, digest: string): Promise<boolean>;
  /** The repository's manifest digests. */
  manifestsOf(repository: string): Promise<string[]>;
  /** Every manifest digest of every repository, once each (what blob collection must keep). */
  manifestDigests(): Promise<string[]>;
}

export interface VolumeStore {
  create(volume: VolumeRecord): Promise<void>;
  get(id: string): Promise<VolumeRecord | undefined>;
  byName(ownerId: string, name: string): Promise<VolumeRecord | undefined>;
  /** The owner's volumes, by name. */
  list(ownerId: string): Promise<VolumeRecord[]>;
  setStatus(id: string, status: VolumeRecord['status']): Promise<void>;
  /** Deletes the volume and its revisions. */
  delete(id: string): Promise<void>;
  addRevision(revision: VolumeRevisionRecord): Promise<void>;
  /** The newest revision; undefined while the volume is at `000000-000`. */
  latestRevision(volumeId: string): Promise<VolumeRevisionRecord | undefined>;
  revision(volumeId: string, name: string): Promise<VolumeRevisionRecord | undefined>;
  /** The file list digest of every revision of every volume, once each. */
  fileListDigests(): Promise<string[]>;
  /** Records that the user uploaded the blob: proof they hold its bytes, which knowing a digest is not. */
  claimBlob(userId: string, digest: string): Promise<void>;
  /** Which of `digests` the user ever uploaded. */
  claimedBlobs(userId: string, digests: Iterable<string>): Promise<Set<string>>;
}

/** A secret or configmap as `list` shows it: its newest version, and when its first was made. */
export interface KeyValueSummary {
  name: string;
  version: number;
  items: number;
  createdAt: string;
  updatedAt: string;
}

/** Secrets and configmaps (docs/secrets.md), every version of each; they belong to a user, not a namespace. */
export interface KeyValueStore {
  /** Adds one version; EVERAI_CONFLICT if the owner already has that version of that name. */
  add(record: KeyValueRecord): Promise<void>;
  /** The newest version, or `version` where given. */
  get(ownerId: string, kind: KeyValueKind, name: string, version?: number): Promise<KeyValueRecord | undefined>;
  /** The owner's objects of a kind, by name. */
  list(ownerId: string, kind: KeyValueKind): Promise<KeyValueSummary[]>;
  /** Deletes every version; false if there was none. */
  delete(ownerId: string, kind: KeyValueKind, name: string): Promise<boolean>;
  /** Every version of every object of a kind, across owners (what a key rotation re-seals). */
  all(kind: KeyValueKind): Promise<KeyValueRecord[]>;
  /** Replaces one version's sealed data, keeping everything else. */
  reseal(record: Pick<KeyValueRecord, 'ownerId' | 'kind' | 'name' | 'version' | 'data' | 'keyId'>): Promise<void>;
  /** The distinct key ids that sealed some version. */
  keyIds(): Promise<string[]>;
}
