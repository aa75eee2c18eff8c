import type { WorkerPhase } from '../store/records';

/** A live worker as the planner sees it. */
export interface PlannedWorker {
  id: string;
  revision: number;
  phase: WorkerPhase;
}

export interface RolloutPlan {
  /** New workers to start on the target revision. */
  create: number;
  /** Workers to turn REMOVE: they drain, then stop. */
  drain: string[];
  /** True when every live worker runs the target revision and all `desired` are ready. */
  converged: boolean;
}

const notReadyFirst = (a: PlannedWorker, b: PlannedWorker) => Number(a.phase === 'READY') - Number(b.phase === 'READY');

/**
 * One level-triggered step of a rollout (docs/rollout.md): start target-revision workers up to
 * `desired`, and let an old worker go only once a new one is ready to take its place, so the app
 * never serves with fewer ready workers than it had. `unseen`: target-revision starts already
 * fired whose workers `live` does not show; they count toward `desired`, never past it.
 */
export function planRollout(desired: number, target: number, live: readonly PlannedWorker[], unseen = 0): RolloutPlan {
  const active = live.filter((w) => w.phase !== 'REMOVE');
  const onTarget = active.filter((w) => w.revision === target);
  const others = active.filter((w) => w.revision !== target);

  // Surplus on the target revision: the ones not ready yet go first, then the newest.
  const surplus = [...onTarget].reverse().sort(notReadyFirst).slice(0, Math.max(0, onTarget.length - desired));
  const readyOnTarget = Math.min(desired, onTarget.filter((w) => w.phase === 'READY' && !surplus.includes(w)).length);
  const keepOthers = Math.max(0, desired - readyOnTarget);
  // Old workers go not-ready first, then oldest first (`live` is oldest first).
  const othersLeaving = [...others].sort(notReadyFirst).slice(0, Math.max(0, others.length - keepOthers));

  const converged = unseen === 0 && readyOnTarget === desired && live.every((w) => w.revision === target);
  return {
    create: Math.max(0, desired - onTarget.length - unseen),
    drain: [...surplus, ...othersLeaving].map((w) => w.id),
    converged,
  };
}
