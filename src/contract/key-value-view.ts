import type { z } from 'zod';
import type * as schemas from './key-value-view-schemas';

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
export type KeyValueView = z.infer<typeof schemas.keyValueViewSchema>;
/** What `update` answers: `changed` is false when the items were already these (no new version). */
export type KeyValueUpdate = z.infer<typeof schemas.keyValueUpdateSchema>;
export type KeyRotationView = z.infer<typeof schemas.keyRotationViewSchema>;
