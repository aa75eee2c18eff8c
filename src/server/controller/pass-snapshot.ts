import type { AppRecord, WorkerRecord } from '../store/records';
import type { StoreHandle } from '../store/store';

/**
 * What one reconcile pass reads from the store, in the same few round trips however many apps
 * there are: a read per app was a round trip each, which PostgreSQL makes dear.
 */
export interface PassSnapshot {
  apps: AppRecord[];
  /** Each app's live workers, oldest first; an app without any has no entry. */
  live: Map<string, WorkerRecord[]>;
  /** Each FAILED app's failed workers in a row on its target revision (how a halt is told). */
  failures: Map<string, number>;
}

export async function readPassSnapshot(store: StoreHandle): Promise<PassSnapshot> {
  const apps = await store.apps.list();
  const live = groupByApp(await store.workers.listLive());
  // Only a FAILED app may be halted: a healthy platform pays no read for it.
  const failures = apps.some((app) => app.status === 'FAILED') ? await store.apps.failuresOfFailedApps() : new Map<string, number>();
  return { apps, live, failures };
}

function groupByApp(workers: readonly WorkerRecord[]): Map<string, WorkerRecord[]> {
  const byApp = new Map<string, WorkerRecord[]>();
  for (const worker of workers) {
    const ofApp = byApp.get(worker.appId);
    if (ofApp) ofApp.push(worker);
    else byApp.set(worker.appId, [worker]);
  }
  return byApp;
}
