import { isServing, type AppRevisionRecord } from '../store/records';
import type { StoreHandle } from '../store/store';

/** An app's revisions and what became of each: which serve now, which failed. */
export interface RevisionHistory {
  /** Oldest first. */
  revisions: AppRevisionRecord[];
  /** The revisions ready workers run now (during a rollout, the old and the new may both). */
  serving: ReadonlySet<number>;
  /** Why each failed revision's rollout was halted. */
  failures: ReadonlyMap<number, string>;
}

export async function readHistory(store: StoreHandle, appId: string): Promise<RevisionHistory> {
  const [revisions, failures, live] = await Promise.all([store.apps.revisions(appId), store.apps.haltReasons(appId), store.workers.listLiveByApp(appId)]);
  return { revisions, failures, serving: new Set(live.filter(isServing).map((w) => w.revision)) };
}
