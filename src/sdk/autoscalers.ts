import type { AutoscalerDocument, AutoscalerKind } from '../contract/app-spec';
import { AUTOSCALER_ARG_RULES, type ArgRules } from '../contract/autoscaler-rules';
import { checkInteger, invalid } from './option-checks';
import { Placeholder, type NumberOrPlaceholder } from './placeholder';

/** Options both builtin autoscalers share (docs/autoscaling.md); each may be a Placeholder read at run time. */
export interface AutoScalerBaseOptions {
  /** Default 1; 0 scales to zero. */
  minWorkers?: NumberOrPlaceholder;
  /** Default 1. */
  maxWorkers?: NumberOrPlaceholder;
  /** Seconds a worker may stay idle before it is scaled down. Default 60. */
  maxIdleTime?: NumberOrPlaceholder;
  /** Workers added per scale-up. Default 1. */
  scaleUpStep?: NumberOrPlaceholder;
}

export interface SimpleAutoScalerOptions extends AutoScalerBaseOptions {
  /** Scale up when more requests than this wait because every worker is busy. Default 2. */
  maxQueueSize?: NumberOrPlaceholder;
}

export interface FreeWorkerAutoScalerOptions extends AutoScalerBaseOptions {
  /** Scale up when fewer workers than this are free. Default 1. */
  minFreeWorkers?: NumberOrPlaceholder;
}

export { AUTOSCALER_ARG_RULES, type ArgRules };

/** The platform does the scaling; these classes only check and carry the arguments. */
abstract class BuiltinAutoScaler {
  readonly args: Readonly<Record<string, NumberOrPlaceholder>>;

  protected constructor(
    readonly kind: AutoscalerKind,
    rules: ArgRules,
    options: object,
  ) {
    const given = options as Record<string, unknown>;
    for (const name of Object.keys(given)) {
      if (!(name in rules)) throw invalid(`${kind}: unknown option '${name}' (options: ${Object.keys(rules).join(', ')})`);
    }
    const args: Record<string, NumberOrPlaceholder> = {};
    for (const [name, rule] of Object.entries(rules)) {
      const value = given[name] ?? rule.default;
      if (value instanceof Placeholder) args[name] = value;
      else if (typeof value === 'number') args[name] = checkInteger(value, `${kind} ${name}`, rule.min);
      else throw invalid(`${kind} ${name} must be a number or a Placeholder, got ${typeof value}`);
    }
    const { minWorkers, maxWorkers } = args;
    if (typeof minWorkers === 'number' && typeof maxWorkers === 'number' && minWorkers > maxWorkers) {
      throw invalid(`${kind}: minWorkers (${minWorkers}) is above maxWorkers (${maxWorkers})`);
    }
    this.args = args;
  }

  toJSON(): AutoscalerDocument {
    const args: AutoscalerDocument['args'] = {};
    for (const [name, value] of Object.entries(this.args)) args[name] = typeof value === 'number' ? value : value.toJSON();
    return { kind: this.kind, args };
  }
}

/** Scales up by `scaleUpStep` when more than `maxQueueSize` requests wait for a busy worker. */
export class SimpleAutoScaler extends BuiltinAutoScaler {
  constructor(options: SimpleAutoScalerOptions = {}) {
    super('SimpleAutoScaler', AUTOSCALER_ARG_RULES.SimpleAutoScaler, options);
  }
}

/** Scales up when fewer than `minFreeWorkers` workers are free. */
export class FreeWorkerAutoScaler extends BuiltinAutoScaler {
  constructor(options: FreeWorkerAutoScalerOptions = {}) {
    super('FreeWorkerAutoScaler', AUTOSCALER_ARG_RULES.FreeWorkerAutoScaler, options);
  }
}

export type AutoScaler = SimpleAutoScaler | FreeWorkerAutoScaler;
