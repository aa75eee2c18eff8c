/** Rows of the state store, as every store implementation returns them. Times are ISO strings (UTC). */

import type { KeyValueKind } from '../secrets/key-value-source';
import type { ResourceRequestsDocument } from '../../contract/app-spec';
import type { VolumeStatus } from '../../contract/volume-view';
import type { AutoscalerSetting, EventRecord, EventType, WorkerStatus } from '../../contract/api-views';

export type { AutoscalerSetting, EventRecord, EventType, WorkerStatus };

export interface UserRecord {
  id: string;
  name: string;
  tokenHash: string;
  isAdmin: boolean;
  createdAt: string;
}

export interface NamespaceRecord {
  ownerId: string;
  name: string;
  createdAt: string;
}

export type AppStatus = 'PREPARING' | 'DEPLOYED' | 'PAUSED' | 'FAILED';
export type RouteAuth = 'private' | 'public';

export interface AppRecord {
  id: string;
  name: string;
  namespace: string;
  ownerId: string;
  routeName: string;
  /** The revision every worker should run; a rollout moves workers onto it. */
  targetRevision: number;
  desiredWorkers: number;
  concurrency: number;
  routeAuth: RouteAuth;
  /** How long a new worker may take to become ready before it counts as failed. */
  readyTimeoutMs: number;
  /** How long a worker being removed may take to finish its requests before the gateway cuts them. */
  maxDrainMs: number;
  /** How the worker count is decided (docs/autoscaling.md); null: a fixed count, 1 unless scaled by hand. */
  autoscaler: AutoscalerSetting | null;
  /** How long a request may wait for a worker before a 503; null: the server's default. */
  queueTimeoutMs: number | null;
  /** The revision the app was DEPLOYED on when the current rollout began: where a halted rollout goes back to (0: none). */
  stableRevision: number;
  /** When a user last scaled up by hand: a builtin autoscaler counts it as activity of every worker. */
  manualScaleAt: string | null;
  paused: boolean;
  status: AppStatus;
  statusReason: string;
  createdAt: string;
  updatedAt: string;
}


/** What a worker runs, pinned: changing any of it means a new revision and a rollout. */
export interface RevisionSpec {
  /** As the user wrote it (`get-start:v1`), and what it resolved to when the revision was made. */
  imageRef: string;
  imageRepository: string;
  imageDigest: string;
  /** The app's entry file inside the image's app folder, e.g. `app.ts`. */
  appFile: string;
  env: Record<string, string>;
  /** One revision of each requested volume, in the order the app asks for them. */
  volumes: PinnedVolume[];
  /** What the worker's process runs: the SDK's worker entry (app-object mode) or a manifest's command. */
  program: ProgramSpec;
  /** Volumes, secrets and configmaps a manifest mounts into the worker's folder. */
  mounts: MountSpec[];
  /** Credentials for an image on another registry, by reference to a pinned secret version. */
  imagePull: ImagePullSpec | null;
  /** One version of each requested secret and configmap; their values are read at worker start. */
  secrets: PinnedKeyValue[];
  configmaps: PinnedKeyValue[];
  /** What each worker gets (CPUs, memory, GPUs); checked against the machine when pinned. */
  resources: ResourceRequestsDocument;
}

export interface PinnedKeyValue {
  name: string;
  version: number;
}

/** Manifest mode (docs/manifest.md): `command` + `args` in the image's working folder, listening on `PORT`. */
export interface CommandProgram {
  kind: 'command';
  /** The effective command line: the manifest's, or the image's Entrypoint and Cmd. */
  argv: string[];
  /** The port requests go to when they name none; every declared port is in `servicePorts`. */
  port: number;
  servicePorts: number[];
  /** Ready once this path answers 200; null: once the port accepts connections. */
  readinessPath: string | null;
  /**
   * What the manifest said (null: the image's Entrypoint / Cmd), so an image upgrade takes the new
   * image's where the manifest named none. Absent in revisions made before it was kept.
   */
  declared?: { command: string[] | null; args: string[] | null };
}

export type ProgramSpec = { kind: 'sdk' } | CommandProgram;

/** One key of a secret or configmap, at the version the revision pinned. */
export interface PinnedKey {
  kind: 'Secret' | 'ConfigMap';
  name: string;
  key: string;
  version: number;
}

export interface ImagePullSpec {
  username: PinnedKey;
  password: PinnedKey;
}

/** `mountPath` is relative to the worker's folder (docs/manifest.md, "Mounts"). */
export type MountSpec =
  | { mountPath: string; kind: 'volume'; name: string }
  | { mountPath: string; kind: 'Secret' | 'ConfigMap'; name: string; version: number };

export interface PinnedVolume {
  name: string;
  volumeId: string;
  revision: string;
}

export interface AppRevisionRecord {
  appId: string;
  revision: number;
  spec: RevisionSpec;
  createdAt: string;
}


/** The persisted part of DETAIL_STATUS; FREE and BUSY are derived live from the gateway. */
export type WorkerPhase = 'IN_FLIGHT' | 'UNSPECIFIED' | 'READY' | 'REMOVE' | '';

export interface WorkerRecord {
  id: string;
  appId: string;
  revision: number;
  status: WorkerStatus;
  phase: WorkerPhase;
  pid: number | null;
  port: number | null;
  /** The worker this one was started to replace in a rollout. */
  replaceWorkerId: string | null;
  statusReason: string;
  createdAt: string;
  launchAt: string | null;
  deletedAt: string | null;
  lastServeAt: string | null;
  successCount: number;
  failedCount: number;
}


export interface ImageTagRecord {
  repository: string;
  tag: string;
  digest: string;
  updatedAt: string;
}

export interface ManifestRecord {
  repository: string;
  digest: string;
  mediaType: string;
  size: number;
  createdAt: string;
}

export const TERMINAL_WORKER_STATUSES: readonly WorkerStatus[] = ['TERMINATED', 'ERROR'];

export function isTerminal(status: WorkerStatus): boolean {
  return TERMINAL_WORKER_STATUSES.includes(status);
}

/** A worker the gateway sends requests to: running and ready (a draining one takes no new request). */
export function isServing(worker: Pick<WorkerRecord, 'status' | 'phase'>): boolean {
  return worker.status === 'RUNNING' && worker.phase === 'READY';
}

export type { VolumeStatus };

export interface VolumeRecord {
  id: string;
  name: string;
  ownerId: string;
  /** Public: readable (never writable) by every user as OWNER/NAME. */
  status: VolumeStatus;
  createdAt: string;
  updatedAt: string;
}

/** A committed revision; its file list is a blob (`fileListDigest`), never changed once written. */
export interface VolumeRevisionRecord {
  volumeId: string;
  seq: number;
  /** `000001-08a`: see src/contract/volume-revision.ts. */
  name: string;
  fileListDigest: string;
  files: number;
  size: number;
  createdAt: string;
}

/**
 * One version of a secret or configmap. Every update adds a version; app revisions pin
 * one, so old versions stay until the object is deleted.
 */
export interface KeyValueRecord {
  ownerId: string;
  kind: KeyValueKind;
  name: string;
  version: number;
  items: number;
  /** A configmap's items as JSON; a secret's sealed items (src/server/secrets/secret-cipher.ts). */
  data: string;
  /** The key that sealed a secret's data; '' for a configmap. */
  keyId: string;
  createdAt: string;
}
