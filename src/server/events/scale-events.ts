import type { Store } from '../store/store';

/**
 * The events of a change in an app's worker count (docs/events.md), for the autoscaler and the
 * manual scale API to record, so that `app events` says every scale step the same way.
 */
export async function recordScale(store: Pick<Store, 'events'>, appId: string, change: { from: number; to: number; reason: string }): Promise<void> {
  if (change.to === change.from) return;
  const direction = change.to > change.from ? 'Scale up' : 'Scale down';
  await store.events.add(appId, 'NORMAL', 'Autoscaler', `${direction}: ${change.from} -> ${change.to} workers (${change.reason})`);
}
