import { z } from 'zod';

/**
 * The secret and configmap API's answers (docs/secrets.md) as zod schemas: key-value-view.ts takes
 * its types from them, and the OpenAPI document is generated from them. Only the server loads this
 * file at run time (see api-view-schemas.ts).
 */

export const keyValueViewSchema = z
  .object({
    kind: z.enum(['Secret', 'ConfigMap']),
    name: z.string(),
    version: z.number().describe('The newest version; `app update` pins it.'),
    items: z.number(),
    keys: z.array(z.string()).optional().describe('In `get` only.'),
    data: z.record(z.string(), z.string()).optional().describe("In `get ?values=true` only: a secret's values in base64, a configmap's as they are."),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'KeyValue', description: 'A secret or configmap as the API shows it: names and keys, values only when asked.' });

export const keyValueUpdateSchema = z
  .object({
    changed: z.boolean().describe('False when the items were already these (no new version).'),
    added: z.array(z.string()),
    removed: z.array(z.string()),
    modified: z.array(z.string()),
    object: keyValueViewSchema,
    pinnedBy: z.array(z.string()).describe('Apps (`namespace/name`) whose revision pins a version: their workers get this one after `everai app update`.'),
    scaledBy: z.array(z.string()).describe('Apps whose autoscaler reads a key of it: they use the new values from their next round.'),
  })
  .meta({ id: 'KeyValueUpdate', description: 'What an update did.' });

export const keyRotationViewSchema = z
  .object({
    keyId: z.string(),
    resealed: z.number().describe('How many secret versions were sealed again with the new key.'),
    removed: z.array(z.string()).describe('The old keys whose files were removed.'),
  })
  .meta({ id: 'KeyRotation' });
