import type { AppRecord } from '../../src/server/store/records';
import { WorkerSlot } from '../../src/server/gateway/worker-slot';

/** An app as the gateway's route sees it, for unit tests of AppRoute: only what routing reads matters. */
export function appRecord(concurrency = 1): AppRecord {
  return {
    id: 'app-1',
    name: 'unit',
    namespace: 'default',
    ownerId: 'user-1',
    routeName: 'unit',
    targetRevision: 1,
    desiredWorkers: 1,
    concurrency,
    routeAuth: 'private',
    readyTimeoutMs: 60_000,
    maxDrainMs: 3_600_000,
    autoscaler: null,
    queueTimeoutMs: null,
    stableRevision: 0,
    manualScaleAt: null,
    paused: false,
    status: 'DEPLOYED',
    statusReason: '',
    createdAt: '2024-01-01T00:00:00.000Z',
    updatedAt: '2024-01-01T00:00:00.000Z',
  };
}

/** A worker slot that is never sent a request (its pool opens no connection until used). */
export function unitSlot(id: string, concurrency = 1): WorkerSlot {
  return new WorkerSlot(id, 'app-1', 1, 'http://127.0.0.1:9', concurrency);
}
