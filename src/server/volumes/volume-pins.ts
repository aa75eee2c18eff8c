import type { AppRecord } from '../store/records';
import type { Store } from '../store/store';

/**
 * The apps whose current revision pins the volume. Deleting it under them would let blob
 * collection take the files their next worker needs.
 */
export async function appsPinning(store: Store, volumeId: string): Promise<AppRecord[]> {
  const pinning: AppRecord[] = [];
  for (const app of await store.apps.list()) {
    const revision = await store.apps.revision(app.id, app.targetRevision);
    // Revisions made before apps pinned volumes have no `volumes`.
    if (revision?.spec.volumes?.some((v) => v.volumeId === volumeId)) pinning.push(app);
  }
  return pinning;
}

/** Names the caller's own apps; others' are only counted, since their names are not the caller's to see. */
export function describePins(apps: readonly AppRecord[], callerId: string): string {
  const own = apps.filter((a) => a.ownerId === callerId).map((a) => `'${a.namespace}/${a.name}'`);
  const others = apps.length - own.length;
  return [...own, ...(others > 0 ? [`${others} app${others === 1 ? '' : 's'} of other users`] : [])].join(', ');
}
