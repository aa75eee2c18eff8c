import { EveraiError } from '../contract/errors';
import { CONFIGMAPS_ENV, SECRETS_ENV, VOLUMES_ENV } from '../contract/worker-env';
import { volumeManager, type VolumeManager } from './volume-manager';

export { CONFIGMAPS_ENV, SECRETS_ENV, VOLUMES_ENV };

export interface VolumeInfo {
  name: string;
  /** The directory holding the revision's files; read-only in a worker. */
  path: string;
  revision: string;
  ready: boolean;
}

/** A secret's or configmap's items. */
export interface KeyValues {
  get(key: string): string | undefined;
  keys(): string[];
}

/**
 * Kept on globalThis rather than in this module: a user's file could load its own copy of the SDK,
 * and its `context` must still see the mode the worker runs in.
 */
const PREPARE_MODE = Symbol.for('everai.context.prepareMode');
type ModeHolder = { [PREPARE_MODE]?: boolean | undefined };

/** Runs `fn` with `context.isPrepareMode` set to `prepareMode`. */
export async function withPrepareMode<T>(prepareMode: boolean, fn: () => Promise<T>): Promise<T> {
  const holder = globalThis as ModeHolder;
  const before = holder[PREPARE_MODE];
  holder[PREPARE_MODE] = prepareMode;
  try {
    return await fn();
  } finally {
    holder[PREPARE_MODE] = before;
  }
}

function readEnvJson(variable: string): Record<string, unknown> | undefined {
  const text = process.env[variable];
  if (text === undefined || text === '') return undefined;
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // Reported below with the variable's name, which is what a reader needs.
  }
  throw new EveraiError('EVERAI_INTERNAL', `${variable} is not a JSON object; the platform set it wrongly`);
}

function keyValues(variable: string, what: string, name: string): KeyValues {
  const all = readEnvJson(variable);
  const items = all?.[name];
  if (typeof items !== 'object' || items === null) {
    throw new EveraiError('EVERAI_NOT_FOUND', `${what} '${name}' is not available here (is it in the app's ${what}Requests?)`);
  }
  const record = items as Record<string, unknown>;
  return {
    get: (key) => (typeof record[key] === 'string' ? record[key] : undefined),
    keys: () => Object.keys(record),
  };
}

/** What a worker knows about where it runs: its volumes, secrets and configmaps. */
class Context {
  /** True in `everai app prepare`, where prepare hooks build what workers will later read. */
  get isPrepareMode(): boolean {
    return (globalThis as ModeHolder)[PREPARE_MODE] === true;
  }

  getVolume(name: string): VolumeInfo {
    const volume = readEnvJson(VOLUMES_ENV)?.[name] as Partial<VolumeInfo> | undefined;
    if (typeof volume?.path !== 'string') {
      throw new EveraiError('EVERAI_NOT_FOUND', `volume '${name}' is not available here (is it in the app's volumeRequests?)`);
    }
    return { name, path: volume.path, revision: String(volume.revision ?? ''), ready: volume.ready ?? true };
  }

  /** Pushes and pulls volumes' local caches (in `everai app prepare` and `app run`, not in a worker). */
  get volumeManager(): VolumeManager {
    return volumeManager;
  }

  getSecret(name: string): KeyValues {
    return keyValues(SECRETS_ENV, 'secret', name);
  }

  getConfigMap(name: string): KeyValues {
    return keyValues(CONFIGMAPS_ENV, 'configmap', name);
  }
}

export type { Context };
export const context = new Context();
