import type { PlaceholderDocument, ResourceRequestsDocument } from './app-spec';

/**
 * What the server's API answers and the CLI prints: the views themselves. The server builds them
 * (src/server/api/views.ts, the store's records); the CLI and tests only read them.
 */

/**
 * An app's scaling, app-level (changing it rolls nothing out): a builtin autoscaler whose
 * arguments are numbers or Placeholders read at each decision, or a manual count.
 */
export type AutoscalerSetting =
  | { kind: 'SimpleAutoScaler' | 'FreeWorkerAutoScaler'; args: Record<string, number | PlaceholderDocument> }
  | { kind: 'Manual'; args: { defaultWorkerNum: number } };

/** `GET /api/v1/whoami`: who a token belongs to. */
export interface WhoAmIView {
  id: string;
  name: string;
  isAdmin: boolean;
}

/** An app as the API shows it. */
export interface AppView {
  id: string;
  name: string;
  namespace: string;
  status: string;
  statusReason: string;
  /** The seed's route name, one app's across all users: `/api/apps/v1/routes/{routeName}/...`. */
  routeName: string;
  /** The route's full URL, on the server as the caller reached it: what to curl (with the path after it). */
  routeUrl: string;
  /** The revision every worker should run (a rollout moves them onto it). */
  revision: number;
  /** The revisions of the workers taking requests now: the old and the new one during a rollout. */
  servingRevisions: number[];
  image: string;
  imageDigest: string;
  volumes: { name: string; revision: string }[];
  /** What each worker of `revision` gets; null while the app has no revision. */
  resources: ResourceRequestsDocument | null;
  /** `ready` of `desired` run `revision`; `byStatus` counts every worker the server still has, by STATUS (RUNNING, TERMINATED...). */
  workers: { ready: number; desired: number; byStatus: Partial<Record<WorkerStatus, number>> };
  concurrency: number;
  routeAuth: string;
  /** Null: a fixed count (docs/autoscaling.md). */
  autoscaler: AutoscalerSetting | null;
  /** Null: the server's default. */
  queueTimeoutSeconds: number | null;
  paused: boolean;
  createdAt: string;
  updatedAt: string;
}

/** One entry of an app's history (`app revisions`). */
export interface RevisionView {
  revision: number;
  image: string;
  imageDigest: string;
  volumes: { name: string; revision: string }[];
  createdAt: string;
  /** Ready workers run it: it takes requests now (during a rollout, the old and the new may both). */
  serving: boolean;
  /** The revision the app's workers are brought to: `app get`'s revision. */
  target: boolean;
  /** Why its rollout was halted (it failed); '' when it was not. */
  failure: string;
}

/** A worker's STATUS, in the order of its lifecycle (docs/worker-lifecycle.md). */
export const WORKER_STATUSES = ['CREATED', 'INITIALIZED', 'PENDING', 'RUNNING', 'TERMINATING', 'TERMINATED', 'ERROR', 'UNAVAILABLE'] as const;
export type WorkerStatus = (typeof WORKER_STATUSES)[number];

/** A worker with the reference API's field names; its statuses are in docs/worker-lifecycle.md. */
export interface WorkerView {
  id: string;
  status: string;
  detailStatus: string;
  createdAt: string;
  deletedAt: string | null;
  launchAt: string | null;
  lastServeAt: string | null;
  successCount: number;
  failedCount: number;
  sessionNumber: number;
  CPUs: number;
  memory: number;
  GPUs: number;
  appRevision: number;
  replaceWorkerId: string | null;
  statusReason: string;
}

/** One line a worker printed, as `app logs` streams it (NDJSON): when the server received it (RFC 3339, UTC, ms). */
export interface LogEntryView {
  time: string;
  workerId: string;
  line: string;
}

/** One point of an app's metric history (`GET .../apps/NAME/metrics`, the console's charts). */
export interface MetricSampleView {
  at: string;
  /** Requests answered per second since the sample before. */
  requestsPerSecond: number;
  /** Latency of the requests answered since the sample before, in ms; null when there were none. */
  p50Ms: number | null;
  p99Ms: number | null;
  /** Requests waiting for a worker at the moment of the sample. */
  queueLength: number;
  /** Live workers (not TERMINATED or ERROR) at the moment of the sample. */
  workers: number;
}

export type EventType = 'NORMAL' | 'WARNING';

export interface EventRecord {
  id: number;
  appId: string;
  type: EventType;
  from: string;
  message: string;
  createdAt: string;
}

/** What this machine offers workers (`everai resources`, docs/autoscaling.md, "Resources"); one machine, one region. */
export interface MachineResources {
  region: string;
  cpu: { model: string; count: number };
  memoryMb: number;
  gpus: GpuInfo[];
}

export interface GpuInfo {
  /** What CUDA_VISIBLE_DEVICES names it by. */
  index: number;
  model: string;
  memoryMb: number;
}
