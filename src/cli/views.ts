import { formatTime } from '../contract/time';
import type { AppView, RevisionView, WorkerView } from '../contract/api-views';
import type { EventRecord } from '../contract/api-views';
import type { Column } from './output';

/** Table columns of the objects the API returns. */

/**
 * The seed's `NAME STATUS CREATED_AT ROUTE_NAME`, with the later CLI's NAMESPACE and WORKERS; wide
 * adds the revision and the URL to curl (as the server names it, on the address the CLI reached).
 */
export const APP_COLUMNS: Column<AppView>[] = [
  { header: 'NAME', value: (a) => a.name },
  { header: 'NAMESPACE', value: (a) => a.namespace },
  { header: 'STATUS', value: (a) => a.status },
  { header: 'WORKERS', value: (a) => `${a.workers.ready}/${a.workers.desired}` },
  { header: 'CREATED_AT', value: (a) => formatTime(a.createdAt) },
  { header: 'ROUTE_NAME', value: (a) => a.routeName },
  { header: 'REVISION', value: (a) => a.revision, wide: true },
  { header: 'URL', value: (a) => a.routeUrl, wide: true },
];

const unprefix = (value: string, prefix: string) => (value.startsWith(prefix) ? value.slice(prefix.length) : value);

export const WORKER_COLUMNS: Column<WorkerView>[] = [
  { header: 'ID', value: (w) => w.id },
  { header: 'STATUS', value: (w) => unprefix(w.status, 'STATUS_') },
  { header: 'DETAIL_STATUS', value: (w) => unprefix(w.detailStatus, 'DETAIL_STATUS_') },
  { header: 'CREATED_AT', value: (w) => formatTime(w.createdAt) },
  { header: 'DELETED_AT', value: (w) => formatTime(w.deletedAt) },
  { header: 'REVISION', value: (w) => w.appRevision, wide: true },
  { header: 'REASON', value: (w) => w.statusReason.split('\n')[0], wide: true },
];

export const EVENT_COLUMNS: Column<EventRecord>[] = [
  { header: 'TYPE', value: (e) => e.type },
  { header: 'FROM', value: (e) => e.from },
  { header: 'CREATED_AT', value: (e) => formatTime(e.createdAt) },
  { header: 'MESSAGE', value: (e) => e.message.split('\n')[0] },
];

export interface QueueEntry {
  index: number;
  createdAt: string;
  reason: string;
}

export const QUEUE_COLUMNS: Column<QueueEntry>[] = [
  { header: 'QUEUE_INDEX', value: (q) => q.index },
  { header: 'CREATE_AT', value: (q) => formatTime(q.createdAt) },
  { header: 'QUEUE_REASON', value: (q) => q.reason },
];

export const REVISION_COLUMNS: Column<RevisionView>[] = [
  { header: 'REVISION', value: (r) => r.revision },
  { header: 'IMAGE', value: (r) => r.image },
  { header: 'IMAGE_DIGEST', value: (r) => r.imageDigest.slice(0, 19) },
  { header: 'VOLUMES', value: (r) => r.volumes.map((v) => `${v.name}@${v.revision}`).join(',') },
  { header: 'CREATED_AT', value: (r) => formatTime(r.createdAt) },
  { header: 'SERVING', value: (r) => (r.serving ? 'yes' : '') },
  // FAILED first: a failed target (nothing to go back to) is the failure to see.
  { header: 'STATUS', value: (r) => (r.failure ? 'FAILED' : r.target ? 'TARGET' : '') },
];
