import type { PlaceholderDocument } from '../../../contract/app-spec';
import { AUTOSCALER_ARG_RULES } from '../../../contract/autoscaler-rules';
import type { KeyValueSource } from '../../secrets/key-value-source';
import type { AutoscalerSetting } from '../../store/records';
import type { FreeWorkerScalerArgs } from './free-worker-autoscaler';
import type { SimpleScalerArgs } from './simple-autoscaler';

export type BuiltinSetting = Extract<AutoscalerSetting, { kind: 'SimpleAutoScaler' | 'FreeWorkerAutoScaler' }>;

export type ResolvedScaler =
  | { kind: 'SimpleAutoScaler'; args: SimpleScalerArgs }
  | { kind: 'FreeWorkerAutoScaler'; args: FreeWorkerScalerArgs };

/**
 * A builtin autoscaler's arguments as numbers: defaults for the ones left out, Placeholders read
 * from the app owner's configmap or secret now (so a `configmap update` applies at the next
 * decision). Throws, naming the argument, when one cannot be read or makes no sense.
 */
export async function resolveScalerArgs(
  setting: BuiltinSetting,
  ownerId: string,
  keyValues: KeyValueSource | undefined,
): Promise<ResolvedScaler> {
  const args: Record<string, number> = {};
  for (const [name, rule] of Object.entries(AUTOSCALER_ARG_RULES[setting.kind])) {
    const given = setting.args[name] ?? rule.default;
    const value = typeof given === 'number' ? given : await readPlaceholder(given, ownerId, keyValues);
    if (!Number.isInteger(value) || value < rule.min) throw new Error(`${name} must be a whole number >= ${rule.min}, got ${value}`);
    args[name] = value;
  }
  if ((args.minWorkers ?? 0) > (args.maxWorkers ?? 0)) {
    throw new Error(`minWorkers (${args.minWorkers}) is above maxWorkers (${args.maxWorkers})`);
  }
  // The rule table has exactly each kind's arguments, so every field is set.
  return setting.kind === 'SimpleAutoScaler'
    ? { kind: setting.kind, args: args as unknown as SimpleScalerArgs }
    : { kind: setting.kind, args: args as unknown as FreeWorkerScalerArgs };
}

async function readPlaceholder(
  { placeholder: { kind, name, key } }: PlaceholderDocument,
  ownerId: string,
  keyValues: KeyValueSource | undefined,
): Promise<number> {
  const what = `${kind === 'ConfigMap' ? 'configmap' : 'secret'} '${name}'`;
  if (!keyValues) throw new Error(`cannot read ${what}: this server has no ${kind} store`);
  const raw = (await keyValues.read(ownerId, kind, name)).data[key];
  if (raw === undefined) throw new Error(`${what} has no key '${key}'`);
  const text = raw.trim();
  const value = Number(text);
  if (text === '' || !Number.isInteger(value)) throw new Error(`${what} key '${key}' is '${raw}', not a whole number`);
  return value;
}
