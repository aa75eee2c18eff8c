import { isBase64 } from '../../contract/base64';
import { EveraiError } from '../../contract/errors';
import { checkName } from '../apps/app-request';
import type { KeyValueKind } from './key-value-source';

/** Item keys as Kubernetes allows them in secrets and configmaps. */
const KEY = /^[-._a-zA-Z0-9]+$/;
const KEY_MAX = 253;
/**
 * The most one object may hold (its values' bytes). Workers get their secrets and configmaps in
 * environment variables, and Linux caps one variable at 128 KiB, so this leaves room for several.
 */
export const MAX_OBJECT_BYTES = 64 * 1024;

/** `secret`, `configmap`: how messages name a kind. */
export function kindWord(kind: KeyValueKind): string {
  return kind === 'Secret' ? 'secret' : 'configmap';
}

export function checkKeyValueName(kind: KeyValueKind, name: string): string {
  checkName(`${kindWord(kind)} name`, name);
  return name;
}

/**
 * A request's items: string values under valid keys; a secret's values base64. Names the first
 * wrong key, and refuses an object over MAX_OBJECT_BYTES.
 */
export function checkItems(kind: KeyValueKind, name: string, data: unknown): Record<string, string> {
  const what = `${kindWord(kind)} '${name}'`;
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new EveraiError('EVERAI_BAD_REQUEST', `${what}: data must be an object of KEY: value`);
  }
  let bytes = 0;
  for (const [key, value] of Object.entries(data)) {
    if (key.length > KEY_MAX || !KEY.test(key)) {
      throw new EveraiError('EVERAI_BAD_REQUEST', `${what}: key '${key}' must be 1 to ${KEY_MAX} of a-z, A-Z, 0-9, '-', '_' and '.'`);
    }
    if (typeof value !== 'string') throw new EveraiError('EVERAI_BAD_REQUEST', `${what}: the value of key '${key}' must be a string`);
    if (kind === 'Secret' && !isBase64(value)) {
      throw new EveraiError('EVERAI_BAD_REQUEST', `${what}: the value of key '${key}' is not valid base64`);
    }
    bytes += kind === 'Secret' ? Buffer.byteLength(value, 'base64') : Buffer.byteLength(value);
  }
  if (bytes > MAX_OBJECT_BYTES) {
    throw new EveraiError('EVERAI_BODY_TOO_LARGE', `${what} holds ${bytes} bytes: at most ${MAX_OBJECT_BYTES} (64 KiB) fit in one`);
  }
  return data as Record<string, string>;
}
