/**
 * Where the rest of the server reads a user's secrets and configmaps (docs/secrets.md): the controller
 * for a worker's environment and mounts, the autoscaler for Placeholder arguments, the runtime
 * for image pull credentials. The secret service implements it; values come back decrypted, so
 * whoever holds them keeps them in memory only.
 */
import type { KeyValueKind } from '../../contract/key-value-view';

export type { KeyValueKind };

export interface KeyValueObject {
  name: string;
  /** Grows by one on every update; an app revision pins the version it was made with. */
  version: number;
  data: Record<string, string>;
}

export interface KeyValueSource {
  /**
   * The owner's object by name: its newest version, or `version` where given.
   * Throws EVERAI_NOT_FOUND (naming the kind and name) when the owner has none.
   */
  read(ownerId: string, kind: KeyValueKind, name: string, version?: number): Promise<KeyValueObject>;
}
