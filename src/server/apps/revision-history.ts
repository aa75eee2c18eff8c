import { isServing, type AppRecord, type AppRevisionRecord, type RevisionSpec } from '../store/records';
import type { StoreHandle } from '../store/store';
import { sameSpec } from './revision-pinner';

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

/**
 * The newest failed revision that ran what `spec` would run: the same image digest, volumes,
 * resources, secrets and program. The tag the image was written as is no part of it: the same
 * sources built under a new tag are the same digest, and fail the same way.
 */
export function failedLike(history: RevisionHistory, spec: RevisionSpec): AppRevisionRecord | undefined {
  const runs = (s: RevisionSpec) => ({ ...s, imageRef: '' });
  return history.revisions.findLast((r) => history.failures.has(r.revision) && sameSpec(runs(r.spec), runs(spec)));
}

/** A revision other than the target that serves now and pins exactly `spec`: going to it restarts nothing. */
export function servingLike(history: RevisionHistory, app: AppRecord, spec: RevisionSpec): AppRevisionRecord | undefined {
  return history.revisions.find((r) => r.revision !== app.targetRevision && history.serving.has(r.revision) && sameSpec(r.spec, spec));
}

/**
 * Where a rollout about to begin goes back to if it halts: the target, when it is all that serves;
 * else (a rollout under way, or nothing serving) where the rollout before would have gone back to.
 */
export function stableBefore(app: AppRecord, history: RevisionHistory): number {
  return history.serving.size === 1 && history.serving.has(app.targetRevision) ? app.targetRevision : app.stableRevision;
}

/**
 * Where a plain `app rollback` goes (docs/rollout.md): to the revision that served before the last
 * rollout. After a halt the target already went back to it, and the rollback ends the failure
 * there. With no rollout on record, to the newest earlier revision that did not fail.
 */
export function rollbackTarget(app: AppRecord, history: RevisionHistory): number | undefined {
  if (app.stableRevision > 0 && (app.stableRevision !== app.targetRevision || app.status === 'FAILED')) return app.stableRevision;
  return history.revisions.findLast((r) => r.revision < app.targetRevision && !history.failures.has(r.revision))?.revision;
}
