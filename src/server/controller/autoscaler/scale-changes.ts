import { nowIso } from '../../../contract/time';
import type { AppRecord } from '../../store/records';
import type { Store } from '../../store/store';

/**
 * Scaling as desired state, for the controller to converge (docs/autoscaling.md): a new worker
 * count, and for a scale-down the workers that go, marked REMOVE so the controller drains exactly
 * those (finish what they hold, then stop) rather than picking its own. Run inside
 * `Controller.apply` so no reconcile pass sees one write without the other.
 */
/**
 * A user's scale-up (`by` API) is stamped with its time: a builtin autoscaler counts it as
 * activity of every worker, so none is idle, and none goes, for the app's maxIdleTime after it.
 */
export async function scaleUpTo(store: Store, app: AppRecord, from: number, to: number, why: string, by: 'Autoscaler' | 'API' = 'Autoscaler'): Promise<void> {
  await store.transaction(async (tx) => {
    await tx.apps.update(app.id, by === 'API' ? { desiredWorkers: to, manualScaleAt: nowIso() } : { desiredWorkers: to });
    await tx.events.add(app.id, 'NORMAL', by, `Scale up: ${from} -> ${to} workers: ${why}`);
  });
}

export async function scaleDownWorkers(
  store: Store,
  app: AppRecord,
  from: number,
  workerIds: readonly string[],
  why: string,
  by = 'Autoscaler',
): Promise<void> {
  const to = Math.max(0, from - workerIds.length);
  await store.transaction(async (tx) => {
    for (const id of workerIds) await tx.workers.update(id, { phase: 'REMOVE' });
    await tx.apps.update(app.id, { desiredWorkers: to });
    await tx.events.add(app.id, 'NORMAL', by, `Scale down: ${from} -> ${to} workers (${workerIds.join(', ')}): ${why}`);
  });
}
