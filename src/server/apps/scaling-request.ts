import { z } from 'zod';
import { AUTOSCALER_ARG_RULES } from '../../contract/autoscaler-rules';
import type { AutoscalerSetting } from '../store/records';
import { DEFAULT_RESOURCES } from '../store/revision-spec-defaults';

/** The request fields for scaling and resources (docs/autoscaling.md); app-request.ts puts them in the spec. */

const placeholderSchema = z.strictObject({
  placeholder: z.strictObject({
    kind: z.enum(['Secret', 'ConfigMap']),
    name: z.string().min(1).max(253),
    key: z.string().min(1).max(253),
  }),
});

const builtinSchema = z
  .strictObject({
    kind: z.enum(['SimpleAutoScaler', 'FreeWorkerAutoScaler']),
    args: z.record(z.string(), z.union([z.number().int().min(0), placeholderSchema])).default({}),
  })
  .superRefine((value, ctx) => {
    const rules = AUTOSCALER_ARG_RULES[value.kind];
    for (const [name, arg] of Object.entries(value.args)) {
      const rule = rules[name];
      if (!rule) {
        ctx.addIssue({ code: 'custom', path: ['args', name], message: `${value.kind} has no argument '${name}' (arguments: ${Object.keys(rules).join(', ')})` });
      } else if (typeof arg === 'number' && arg < rule.min) {
        ctx.addIssue({ code: 'custom', path: ['args', name], message: `must be >= ${rule.min}` });
      }
    }
    const { minWorkers, maxWorkers } = value.args;
    if (typeof minWorkers === 'number' && typeof maxWorkers === 'number' && minWorkers > maxWorkers) {
      ctx.addIssue({ code: 'custom', path: ['args', 'minWorkers'], message: `minWorkers (${minWorkers}) is above maxWorkers (${maxWorkers})` });
    }
  });

/** `autoscaler.manual.defaultWorkerNum` of app.yaml, as the manifest loader sends it. */
const manualSchema = z.strictObject({
  kind: z.literal('Manual'),
  args: z.strictObject({ defaultWorkerNum: z.number().int().min(0).max(100) }),
});

export const autoscalerSchema = z.union([builtinSchema, manualSchema]).nullable().default(null);

/** `resourceRequests` as the SDK's `ResourceRequests.toJSON()` sends it; null: the defaults. */
const resourcesGiven = z
  .strictObject({
    cpuNum: z.number().positive().max(4096),
    memoryMb: z.number().int().min(1),
    gpuNum: z.number().int().min(0).max(64),
    gpuConstraints: z.strictObject({ models: z.array(z.string().min(1)).max(64) }).nullable().default(null),
  })
  .nullable()
  .transform((value) => value ?? DEFAULT_RESOURCES);

export const resourceRequestsSchema = resourcesGiven.default(DEFAULT_RESOURCES);

/** In `:upgrade`, left out means "keep what the revision pins". */
export const resourceUpgradeSchema = resourcesGiven.optional();

/** How many workers an app starts with under `setting` (its autoscale loop takes over from there). */
export function initialWorkers(setting: AutoscalerSetting | null): number {
  if (!setting) return 1;
  if (setting.kind === 'Manual') return setting.args.defaultWorkerNum;
  // One worker even with minWorkers 0: a new revision proves it serves, then idles down.
  const min = setting.args.minWorkers;
  return Math.max(1, typeof min === 'number' ? min : 1);
}

/**
 * The worker count after `app update` changes the scaling from `before` to `after`: a new manual
 * count (or going back to none) applies at once; a builtin keeps the count and adjusts it itself.
 */
export function workersAfterUpdate(before: AutoscalerSetting | null, after: AutoscalerSetting | null, current: number): number {
  if (JSON.stringify(before) === JSON.stringify(after)) return current;
  if (after && after.kind !== 'Manual') return current;
  return initialWorkers(after);
}
