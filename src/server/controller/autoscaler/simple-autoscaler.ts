import { floorRules, scaleDown, stepUp } from './scale-rules';
import type { BaseScalerArgs, ScalingDecision, ScalingFactors } from './scaling-factors';

export interface SimpleScalerArgs extends BaseScalerArgs {
  /** Scale up when more requests than this wait because every worker is busy. */
  maxQueueSize: number;
}

/**
 * SimpleAutoScaler: below `minWorkers`, up to it; else when more than `maxQueueSize` requests
 * wait because every worker is busy, add `min(scaleUpStep, maxWorkers - workers)`; else let idle
 * workers go (scale-rules.ts).
 */
export function decideSimple(args: SimpleScalerArgs, factors: ScalingFactors): ScalingDecision {
  const floor = floorRules(args, factors);
  if (floor) return floor;
  const busyQueue = factors.queue.WorkerBusy;
  if (busyQueue > args.maxQueueSize) {
    const up = stepUp(args, factors, `${busyQueue} requests wait for a busy worker, more than maxQueueSize ${args.maxQueueSize}`);
    if (up) return up;
  }
  return scaleDown(args, factors);
}
