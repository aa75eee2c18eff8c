import type { SlotLoad } from '../gateway/gateway';
import type { RevisionHistory } from '../apps/revision-history';
import type { ResourceRequestsDocument } from '../../contract/app-spec';
import { isServing, type AppRecord, type AppRevisionRecord, type WorkerRecord } from '../store/records';
import type { AppView, RevisionView, WorkerView } from '../../contract/api-views';

export type { AppView, RevisionView, WorkerView };

export function appView(app: AppRecord, revision: AppRevisionRecord | undefined, workers: readonly WorkerRecord[]): AppView {
  const ready = workers.filter((w) => isServing(w) && w.revision === app.targetRevision);
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

export function revisionView(app: AppRecord, revision: AppRevisionRecord, history: Pick<RevisionHistory, 'serving' | 'failures'>): RevisionView {
  return {
    revision: revision.revision,
    image: revision.spec.imageRef,
    imageDigest: revision.spec.imageDigest,
    volumes: revision.spec.volumes.map(({ name, revision: pinned }) => ({ name, revision: pinned })),
    createdAt: revision.createdAt,
    serving: history.serving.has(revision.revision),
    target: revision.revision === app.targetRevision,
    failure: history.failures.get(revision.revision) ?? '',
  };
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
