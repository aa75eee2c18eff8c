import { hold, type BaseScalerArgs, type ScalingDecision, type ScalingFactors, type WorkerFactor } from './scaling-factors';

/**
 * The rules both builtin autoscalers share (docs/autoscaling.md, "The decision rules"), in the
 * order they apply: the floor of `minWorkers`, a first worker for requests waiting on an app
 * scaled to zero, then nothing at all while a worker is still starting (its capacity is on the
 * way: adding more would overshoot, and removing one now would judge idleness before the load has
 * settled).
 */
export function floorRules(args: BaseScalerArgs, factors: ScalingFactors): ScalingDecision | undefined {
  const workers = factors.workers.length;
  // Starting workers count: the floor is reached as soon as they are asked for, so this never overshoots.
  if (workers < args.minWorkers) {
    return { action: 'up', count: args.minWorkers - workers, reason: `${workers} workers, below minWorkers ${args.minWorkers}` };
  }
  const waiting = factors.queue.NotDispatch + factors.queue.WorkerBusy + factors.queue.QueueDueSession;
  if (workers === 0 && waiting > 0 && args.maxWorkers > 0) {
    return { action: 'up', count: Math.min(args.scaleUpStep, args.maxWorkers), reason: `${waiting} requests wait and no worker runs` };
  }
  if (factors.workers.some((w) => w.state === 'starting')) return hold('a worker is still starting');
  return undefined;
}

/** A scale-up of `scaleUpStep`, capped at `maxWorkers`; undefined when already at the cap. */
export function stepUp(args: BaseScalerArgs, factors: ScalingFactors, why: string): ScalingDecision | undefined {
  const room = args.maxWorkers - factors.workers.length;
  if (room <= 0) return undefined;
  return { action: 'up', count: Math.min(args.scaleUpStep, room), reason: why };
}

/** Free, serving nothing, holding no fresh session, idle at least `maxIdleTime`. */
export function isIdle(worker: WorkerFactor, args: BaseScalerArgs): boolean {
  return worker.state === 'free' && worker.inflight === 0 && worker.sessions === 0 && worker.idleMs >= args.maxIdleTime * 1000;
}

/**
 * Idle workers go, newest first (the oldest have proven themselves), never below `minWorkers`
 * nor below `keepFree` free workers.
 */
export function scaleDown(args: BaseScalerArgs, factors: ScalingFactors, keepFree = 0): ScalingDecision {
  const free = factors.workers.filter((w) => w.state === 'free').length;
  const room = Math.min(factors.workers.length - args.minWorkers, free - keepFree);
  const idle = factors.workers.filter((w) => isIdle(w, args)).reverse();
  const going = idle.slice(0, Math.max(0, room)).map((w) => w.id);
  if (going.length === 0) return hold('no worker to add or remove');
  return { action: 'down', workerIds: going, reason: `${going.length} workers idle for ${args.maxIdleTime} s or more` };
}
