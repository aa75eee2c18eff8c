import { EveraiError } from '../../contract/errors';
import { CONFIGMAPS_ENV, SECRETS_ENV } from '../../contract/worker-env';
import type { KeyValueKind, KeyValueSource } from '../secrets/key-value-source';
import type { AppRevisionRecord, PinnedKeyValue } from '../store/records';
import type { Store } from '../store/store';

export interface KeyValueEnvDeps {
  store: Store;
  keyValues: KeyValueSource;
}

/**
 * Linux refuses to start a process with one environment string over 128 KiB (MAX_ARG_STRLEN);
 * saying so beats the runtime's bare E2BIG.
 */
const MAX_ENV_BYTES = 128 * 1024 - 64;

/**
 * The worker's `EVERAI_SECRETS` and `EVERAI_CONFIGMAPS` (the JSON src/sdk/context.ts reads): the
 * values of the versions the revision pins, decrypted. They live in the worker's environment only,
 * never in a file.
 */
export async function keyValueEnv(deps: KeyValueEnvDeps, revision: AppRevisionRecord): Promise<Record<string, string>> {
  const { secrets, configmaps } = revision.spec;
  if (secrets.length === 0 && configmaps.length === 0) return {};
  const app = await deps.store.apps.get(revision.appId);
  if (!app) throw new Error(`app ${revision.appId} is gone`);
  const values = async (kind: KeyValueKind, pins: readonly PinnedKeyValue[]) => {
    const all: Record<string, Record<string, string>> = {};
    for (const { name, version } of pins) all[name] = (await deps.keyValues.read(app.ownerId, kind, name, version)).data;
    return JSON.stringify(all);
  };
  const env = { [SECRETS_ENV]: await values('Secret', secrets), [CONFIGMAPS_ENV]: await values('ConfigMap', configmaps) };
  for (const [variable, value] of Object.entries(env)) {
    if (Buffer.byteLength(value) > MAX_ENV_BYTES) {
      throw new EveraiError('EVERAI_BAD_REQUEST', `the app's ${variable} would take ${Buffer.byteLength(value)} bytes; a worker's environment takes at most ${MAX_ENV_BYTES}`);
    }
  }
  return env;
}
