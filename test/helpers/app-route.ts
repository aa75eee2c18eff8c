import type { AppRecord } from '../../src/server/store/records';
import { WorkerSlot } from '../../src/server/gateway/node/worker-slot';
import { app, user } from './store-records';

/** An app as the gateway's route sees it, for unit tests of AppRoute: only what routing reads matters. */
export function appRecord(concurrency = 1): AppRecord {
  return { ...app(user('unit-owner'), 'unit'), id: 'app-1', ownerId: 'user-1', routeName: 'unit', concurrency, readyTimeoutMs: 60_000, status: 'DEPLOYED' };
}

/** A worker slot that is never sent a request (its pool opens no connection until used). */
export function unitSlot(id: string, concurrency = 1): WorkerSlot {
  return new WorkerSlot(id, 'app-1', 1, 'http://127.0.0.1:9', concurrency);
}
