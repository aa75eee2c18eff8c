/** The two kinds of key-value objects (docs/secrets.md). */
export type KeyValueKind = 'Secret' | 'ConfigMap';

/** Where the API keeps each kind. */
export const KEY_VALUE_APIS: Record<KeyValueKind, string> = {
  Secret: '/api/v1/secrets',
  ConfigMap: '/api/v1/configmaps',
};

/** POST makes a new key and re-seals every secret with it (admin only). */
export const SECRET_KEYS_API = '/api/v1/secret-keys';

/** A secret or configmap as the API shows it: `list` and `get`. */
export interface KeyValueView {
  kind: KeyValueKind;
  name: string;
  /** The newest version; `app update` pins it. */
  version: number;
  items: number;
  /** In `get` only. */
  keys?: string[];
  /** In `get ?values=true` only: a secret's values in base64, a configmap's as they are. */
  data?: Record<string, string>;
  createdAt: string;
  updatedAt: string;
}

/** What `update` answers: `changed` is false when the items were already these (no new version). */
export interface KeyValueUpdate {
  changed: boolean;
  /** Keys the new version adds, removes, and gives another value (empty when unchanged). */
  added: string[];
  removed: string[];
  modified: string[];
  object: KeyValueView;
  /** Apps (`namespace/name`) whose revision pins a version: their workers get this one after `everai app update`. */
  pinnedBy: string[];
  /** Apps whose autoscaler reads a key of it: they use the new values from their next round. */
  scaledBy: string[];
}

export interface KeyRotationView {
  keyId: string;
  /** How many secret versions were sealed again with the new key. */
  resealed: number;
  /** The old keys whose files were removed. */
  removed: string[];
}
