import { decodeValues } from '../contract/base64';
import { CONFIGMAPS_ENV, SECRETS_ENV } from '../contract/worker-env';
import type { KeyValueKind } from '../contract/key-value-view';
import { KeyValueClient } from './key-values/key-value-client';

/**
 * Gives `app prepare` and `app run` the app's secrets and configmaps the way a worker gets them,
 * through `EVERAI_SECRETS` and `EVERAI_CONFIGMAPS`: their newest versions, fetched from the
 * platform with the user's token and kept in this process's memory only.
 */
export async function provideLocalKeyValues(secrets: readonly string[], configmaps: readonly string[]): Promise<void> {
  const fetchAll = async (kind: KeyValueKind, names: readonly string[]) => {
    const all: Record<string, Record<string, string>> = {};
    for (const name of names) {
      const { data = {} } = await new KeyValueClient(kind).get(name, true);
      all[name] = kind === 'Secret' ? decodeValues(data) : data;
    }
    return JSON.stringify(all);
  };
  if (secrets.length > 0) process.env[SECRETS_ENV] = await fetchAll('Secret', secrets);
  if (configmaps.length > 0) process.env[CONFIGMAPS_ENV] = await fetchAll('ConfigMap', configmaps);
}
