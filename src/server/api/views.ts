import type { SlotLoad } from '../gateway/data-plane';
import type { RevisionHistory } from '../apps/revision-history';
import type { ResourceRequestsDocument } from '../../contract/app-spec';
import { isServing, type AppRecord, type AppRevisionRecord, type WorkerRecord } from '../store/records';
import type { AppView, RevisionView, WorkerView } from '../../contract/api-views';

export type { AppView, RevisionView, WorkerView };

/** `origin`: where the caller reached the server, so `routeUrl` is a URL they can curl. */
export function appView(app: AppRecord, revision: AppRevisionRecord | undefined, workers: readonly WorkerRecord[], origin: string): AppView {
  const serving = workers.filter(isServing);
  const ready = serving.filter((w) => w.revision === app.targetRevision);
  const byStatus: AppView['workers']['byStatus'] = {};
  for (const worker of workers) byStatus[worker.status] = (byStatus[worker.status] ?? 0) + 1;
  return {
    id: app.id,
    name: app.name,
    namespace: app.namespace,
    status: app.status,
    statusReason: app.statusReason,
    routeName: app.routeName,
    routeUrl: `${origin}/api/apps/v1/routes/${encodeURIComponent(app.routeName)}/`,
    revision: app.targetRevision,
    servingRevisions: [...new Set(serving.map((w) => w.revision))].sort((a, b) => a - b),
    image: revision?.spec.imageRef ?? '',
    imageDigest: revision?.spec.imageDigest ?? '',
    volumes: (revision?.spec.volumes ?? []).map(({ name, revision: pinned }) => ({ name, revision: pinned })),
    resources: revision?.spec.resources ?? null,
    workers: { ready: ready.length, desired: app.paused ? 0 : app.desiredWorkers, byStatus },
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
