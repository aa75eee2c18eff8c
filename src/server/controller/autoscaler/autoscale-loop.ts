import type { Logger } from '../../logger';
import type { KeyValueSource } from '../../secrets/key-value-source';
import { isTerminal, type AppRecord } from '../../store/records';
import type { Store } from '../../store/store';
import { resolveScalerArgs, type BuiltinSetting, type ResolvedScaler } from './autoscaler-args';
import { decideFreeWorker } from './free-worker-autoscaler';
import { gatherFactors, rollingOut, type ScalingGateway } from './gather-factors';
import { scaleDownWorkers, scaleUpTo } from './scale-changes';
import type { ScalingDecision, ScalingFactors } from './scaling-factors';
import { decideSimple } from './simple-autoscaler';

export interface AutoscaleLoopDeps {
  store: Store;
  gateway: ScalingGateway;
  /** Desired-state changes run between the controller's passes (Controller.apply). */
  controller: { apply<T>(change: () => Promise<T>): Promise<T> };
  /** Where Placeholder arguments are read (the secret service); absent, Placeholders cannot be read. */
  keyValues: KeyValueSource | undefined;
  log: Logger;
}

function decide(scaler: ResolvedScaler, factors: ScalingFactors): ScalingDecision {
  return scaler.kind === 'SimpleAutoScaler' ? decideSimple(scaler.args, factors) : decideFreeWorker(scaler.args, factors);
}

function isBuiltin(app: AppRecord): app is AppRecord & { autoscaler: BuiltinSetting } {
  return app.autoscaler !== null && app.autoscaler.kind !== 'Manual';
}

/**
 * Every few seconds, and at once when a request finds an app with no worker, decides each app's
 * worker count with its builtin autoscaler and writes it as desired state (docs/autoscaling.md).
 * It holds while a rollout is under way, so scaling never fights one: the rollout planner keeps
 * the count it has.
 */
export class AutoscaleLoop {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  /** The last arguments that resolved, per app: kept while a Placeholder cannot be read. */
  private readonly lastGood = new Map<string, { setting: string; scaler: ResolvedScaler }>();
  /** The last problem told in the app's events, so a lasting one is told once. */
  private readonly lastProblem = new Map<string, string>();

  constructor(
    private readonly deps: AutoscaleLoopDeps,
    private readonly intervalMs: number,
  ) {
    deps.gateway.onStarved(() => this.wake());
  }

  start(): void {
    this.timer = setInterval(() => this.wake(), this.intervalMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
  }

  /** Asks for a decision round soon; rounds never overlap. */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.round()
      .catch((error: unknown) => this.deps.log.error('a decision round failed', { error }))
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
  }

  private async round(): Promise<void> {
    const apps = await this.deps.store.apps.list();
    for (const app of apps) {
      if (this.stopped) return;
      if (!isBuiltin(app) || app.paused) {
        this.lastGood.delete(app.id);
        continue;
      }
      const scaler = await this.scalerFor(app);
      if (scaler) await this.scaleApp(app, scaler);
    }
  }

  /** The app's autoscaler with its arguments read now, or the last good ones if they cannot be. */
  private async scalerFor(app: AppRecord & { autoscaler: BuiltinSetting }): Promise<ResolvedScaler | undefined> {
    const setting = JSON.stringify(app.autoscaler);
    try {
      const scaler = await resolveScalerArgs(app.autoscaler, app.ownerId, this.deps.keyValues);
      this.lastGood.set(app.id, { setting, scaler });
      this.lastProblem.delete(app.id);
      return scaler;
    } catch (error) {
      const problem = `Autoscaler arguments unreadable: ${(error as Error).message}`;
      const kept = this.lastGood.get(app.id);
      const usable = kept?.setting === setting ? kept.scaler : undefined;
      if (this.lastProblem.get(app.id) !== problem) {
        this.lastProblem.set(app.id, problem);
        const then = usable ? 'the last readable ones stay in use' : 'the worker count stays as it is';
        await this.deps.store.events.add(app.id, 'WARNING', 'Autoscaler', `${problem}; ${then}`);
      }
      return usable;
    }
  }

  private async scaleApp(app: AppRecord, scaler: ResolvedScaler): Promise<void> {
    const { store, gateway } = this.deps;
    await this.deps.controller.apply(async () => {
      // Read again between passes: what was decided on must be what is written against.
      const current = await store.apps.get(app.id);
      if (!current || current.paused || JSON.stringify(current.autoscaler) !== JSON.stringify(app.autoscaler)) return;
      const live = (await store.workers.listByApp(app.id)).filter((w) => !isTerminal(w.status));
      if (rollingOut(current, live)) return;
      const factors = gatherFactors(current, live, gateway, Date.now());
      const decision = decide(scaler, factors);
      const workers = factors.workers.length;
      if (decision.action === 'up') await scaleUpTo(store, current, workers, workers + decision.count, decision.reason);
      if (decision.action === 'down') await scaleDownWorkers(store, current, workers, decision.workerIds, decision.reason);
    });
  }
}
