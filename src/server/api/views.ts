import type { SlotLoad } from '../gateway/gateway';
import type { ResourceRequestsDocument } from '../../contract/app-spec';
import type { AppRecord, AppRevisionRecord, AutoscalerSetting, WorkerRecord } from '../store/records';

/** An app as the API shows it. */
export interface AppView {
  id: string;
  name: string;
  namespace: string;
  status: string;
  statusReason: string;
  routeName: string;
  revision: number;
  image: string;
  imageDigest: string;
  volumes: { name: string; revision: string }[];
  workers: { ready: number; desired: number };
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

export function appView(app: AppRecord, revision: AppRevisionRecord | undefined, workers: readonly WorkerRecord[]): AppView {
  const ready = workers.filter((w) => w.status === 'RUNNING' && w.phase === 'READY' && w.revision === app.targetRevision);
  return {
    id: app.id,
    name: app.name,
    namespace: app.namespace,
    status: app.status,
    statusReason: app.statusReason,
    routeName: app.routeName,
    revision: app.targetRevision,
    image: revision?.spec.imageRef ?? '',
    imageDigest: revision?.spec.imageDigest ?? '',
    volumes: (revision?.spec.volumes ?? []).map(({ name, revision: pinned }) => ({ name, revision: pinned })),
    workers: { ready: ready.length, desired: app.paused ? 0 : app.desiredWorkers },
    concurrency: app.concurrency,
    routeAuth: app.routeAuth,
    autoscaler: app.autoscaler,
    queueTimeoutSeconds: app.queueTimeoutMs === null ? null : app.queueTimeoutMs / 1000,
    paused: app.paused,
    createdAt: app.createdAt,
    updatedAt: app.updatedAt,
  };
}

/** One entry of an app's history (`app revisions`). */
export interface RevisionView {
  revision: number;
  image: string;
  imageDigest: string;
  volumes: { name: string; revision: string }[];
  createdAt: string;
  /** `CURRENT` for the revision workers are on (or rolling onto), blank otherwise. */
  status: string;
}

export function revisionView(app: AppRecord, revision: AppRevisionRecord): RevisionView {
  return {
    revision: revision.revision,
    image: revision.spec.imageRef,
    imageDigest: revision.spec.imageDigest,
    volumes: revision.spec.volumes.map(({ name, revision: pinned }) => ({ name, revision: pinned })),
    createdAt: revision.createdAt,
    status: revision.revision === app.targetRevision ? (app.status === 'DEPLOYED' ? 'CURRENT' : `CURRENT (${app.status})`) : '',
  };
}

/** A worker with the reference API's field names (SPEC §4). */
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

function detailStatus(worker: WorkerRecord, load: SlotLoad | undefined): string {
  switch (worker.phase) {
    case 'READY':
      return load && load.inflight >= load.concurrency ? 'BUSY' : 'FREE';
    case '':
      return '';
    default:
      return worker.phase;
  }
}

/** `resources`: what the worker's revision requests (CPUs, memory in MiB, GPUs). */
export function workerView(worker: WorkerRecord, load: SlotLoad | undefined, resources?: ResourceRequestsDocument): WorkerView {
  const detail = detailStatus(worker, load);
  return {
    id: worker.id,
    status: `STATUS_${worker.status}`,
    detailStatus: detail ? `DETAIL_STATUS_${detail}` : '',
    createdAt: worker.createdAt,
    deletedAt: worker.deletedAt,
    launchAt: worker.launchAt,
    lastServeAt: load?.lastServeAt ?? worker.lastServeAt,
    successCount: worker.successCount + (load?.successCount ?? 0),
    failedCount: worker.failedCount + (load?.failedCount ?? 0),
    sessionNumber: load?.sessions ?? 0,
    CPUs: resources?.cpuNum ?? 0,
    memory: resources?.memoryMb ?? 0,
    GPUs: resources?.gpuNum ?? 0,
    appRevision: worker.revision,
    replaceWorkerId: worker.replaceWorkerId,
    statusReason: worker.statusReason,
  };
}
