import { EveraiError } from '../../contract/errors';
import type { RegistryCredentials } from '../registry/remote/remote-registry';
import type { ImagePullSpec, PinnedKey } from '../store/records';
import type { KeyValueSource } from './key-value-source';

/** The pinned credentials' values, read when they are needed and kept in memory only. */
export async function pullCredentials(keyValues: KeyValueSource, ownerId: string, pull: ImagePullSpec | null): Promise<RegistryCredentials | undefined> {
  if (pull === null) return undefined;
  const value = async (key: PinnedKey) => {
    const object = await keyValues.read(ownerId, key.kind, key.name, key.version);
    const found = object.data[key.key];
    if (found === undefined) throw new EveraiError('EVERAI_NOT_FOUND', `${key.kind} '${key.name}' version ${key.version} has no key '${key.key}'`);
    return found;
  };
  return { username: await value(pull.username), password: await value(pull.password) };
}
