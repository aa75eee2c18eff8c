import { z } from 'zod';
import { EveraiError } from '../../contract/errors';
import { autoscalerSchema, resourceRequestsSchema, resourceUpgradeSchema } from './scaling-request';
import { programFieldsSchema } from '../../contract/program-request';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export const nameSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(63, 'must be at most 63 characters')
  .regex(DNS_LABEL, 'must be a lowercase DNS label (a-z, 0-9 and -, starting and ending with a letter or digit)');

/** Checks a name the user chose, saying what it names: `user name 'Bob': must be a lowercase DNS label …`. */
export function checkName(what: string, value: string): void {
  const result = nameSchema.safeParse(value);
  if (!result.success) throw new EveraiError('EVERAI_BAD_REQUEST', `${what} '${value}': ${result.error.issues[0]?.message ?? 'invalid'}`);
}

/** `NAME`, or `OWNER/NAME` for a volume another user published (docs/tenancy.md). */
const volumeRefSchema = z
  .string()
  .max(128)
  .regex(/^(?:[A-Za-z0-9][A-Za-z0-9._-]*\/)?[A-Za-z0-9][A-Za-z0-9._-]*$/, 'must be a volume name, or OWNER/NAME');

/** What the CLI sends to create or update an app: the SDK's `app.toSpec()` and where the app's entry is. */
export const appRequestSchema = z.object({
  spec: z
    .object({
      name: nameSchema,
      image: z.string().min(1, 'the app needs an image: `image: Image.fromRegistry(IMAGE)`'),
      concurrency: z.number().int().min(1).max(1000).default(1),
      routeAuth: z.enum(['private', 'public']).default('private'),
      readyTimeoutSeconds: z.number().int().min(1).max(24 * 3600).default(600),
      maxDrainSeconds: z.number().int().min(1).max(7 * 24 * 3600).default(3600),
      volumeRequests: z.array(volumeRefSchema).max(32).default([]),
      secretRequests: z.array(nameSchema).max(32).default([]),
      configmapRequests: z.array(nameSchema).max(32).default([]),
      queueTimeoutSeconds: z.number().int().min(1).max(24 * 3600).optional(),
      autoscaler: autoscalerSchema,
      resourceRequests: resourceRequestsSchema,
      ...programFieldsSchema,
    })
    .loose(),
  appFile: z.string().regex(/^[\w.-]+\.(ts|js|mjs|py)$/, 'must be app.ts, app.js, app.mjs or app.py').default('app.ts'),
});

export type AppRequest = z.infer<typeof appRequestSchema>;

/** Rolls out again what a failed revision ran (docs/rollout.md), which is otherwise refused. */
const forceSchema = z.boolean().default(false);

/** `PUT .../apps/NAME`: the whole definition, as for a create. */
export const updateRequestSchema = appRequestSchema.extend({ force: forceSchema });

/** `POST .../apps/NAME:upgrade`: what to re-resolve (left out: kept as pinned). */
export const upgradeRequestSchema = z.strictObject({
  image: z.string().min(1).optional(),
  volumeRequests: z.array(volumeRefSchema).max(32).optional(),
  resourceRequests: resourceUpgradeSchema,
  force: forceSchema,
});

/** `POST .../apps/NAME:rollback`: the revision to go back to (left out: the one before the current). */
export const rollbackRequestSchema = z.strictObject({
  to: z.number().int().min(1).optional(),
  force: forceSchema,
});
