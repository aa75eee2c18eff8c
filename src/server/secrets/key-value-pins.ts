import type { AppRecord } from '../store/records';
import type { Store } from '../store/store';
import type { KeyValueKind } from './key-value-source';

/** The owner's apps whose current revision pins the secret or configmap: their next worker needs it. */
export async function appsPinningKeyValue(store: Store, ownerId: string, kind: KeyValueKind, name: string): Promise<AppRecord[]> {
  const pinning: AppRecord[] = [];
  for (const app of await store.apps.list({ ownerId })) {
    const spec = (await store.apps.revision(app.id, app.targetRevision))?.spec;
    const pins = kind === 'Secret' ? spec?.secrets : spec?.configmaps;
    if (pins?.some((pin) => pin.name === name)) pinning.push(app);
  }
  return pinning;
}

/** The owner's apps whose autoscaler reads a Placeholder of the secret or configmap at every round. */
export async function appsScalingByKeyValue(store: Store, ownerId: string, kind: KeyValueKind, name: string): Promise<AppRecord[]> {
  return (await store.apps.list({ ownerId })).filter((app) =>
    Object.values(app.autoscaler?.args ?? {}).some(
      (arg) => typeof arg === 'object' && arg.placeholder.kind === kind && arg.placeholder.name === name,
    ),
  );
}
