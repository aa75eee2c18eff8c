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
