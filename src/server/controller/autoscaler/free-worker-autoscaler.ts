import { floorRules, scaleDown, stepUp } from './scale-rules';
import type { BaseScalerArgs, ScalingDecision, ScalingFactors } from './scaling-factors';

export interface FreeWorkerScalerArgs extends BaseScalerArgs {
  /** Scale up when fewer workers than this are free. */
  minFreeWorkers: number;
}

/**
 * FreeWorkerAutoScaler: below `minWorkers`, up to it; else when fewer than `minFreeWorkers`
 * workers are free, add `min(scaleUpStep, maxWorkers - workers)`; else let idle workers go, but
 * never so many that fewer than `minFreeWorkers` stay free (that would only scale up again).
 */
export function decideFreeWorker(args: FreeWorkerScalerArgs, factors: ScalingFactors): ScalingDecision {
  const floor = floorRules(args, factors);
  if (floor) return floor;
  const free = factors.workers.filter((w) => w.state === 'free').length;
  if (free < args.minFreeWorkers) {
    const up = stepUp(args, factors, `${free} workers free, fewer than minFreeWorkers ${args.minFreeWorkers}`);
    if (up) return up;
  }
  return scaleDown(args, factors, args.minFreeWorkers);
}
