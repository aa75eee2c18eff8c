import type { AutoscalerKind } from './app-spec';

/** Each argument with its default and the least value that makes sense. */
export type ArgRules = Record<string, { default: number; min: number }>;

const BASE_RULES: ArgRules = {
  minWorkers: { default: 1, min: 0 },
  maxWorkers: { default: 1, min: 1 },
  maxIdleTime: { default: 60, min: 0 },
  scaleUpStep: { default: 1, min: 1 },
};

/** Each builtin's arguments; the server reads them too, to fill defaults and check resolved Placeholders. */
export const AUTOSCALER_ARG_RULES: Readonly<Record<AutoscalerKind, ArgRules>> = {
  SimpleAutoScaler: { ...BASE_RULES, maxQueueSize: { default: 2, min: 0 } },
  FreeWorkerAutoScaler: { ...BASE_RULES, minFreeWorkers: { default: 1, min: 0 } },
};
