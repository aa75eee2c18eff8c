import { appLabel, type PlatformMetrics } from '../metrics/metrics';
import type { AppRecord, WorkerRecord } from '../store/records';
import type { Store } from '../store/store';

export interface RolloutGuardOptions {
  /** Failed workers in a row on one revision before its rollout is halted. */
  maxFailures: number;
  /** A worker ready this long without failing clears its revision's failure count. */
  stableAfterMs: number;
}

type EventWriter = (appId: string, type: 'NORMAL' | 'WARNING', from: string, message: string) => Promise<void>;

/**
 * Keeps a revision that cannot serve from taking an app down (docs/rollout.md): counts each
 * revision's failed workers, forgives them once one of its workers proves stable, and halts a
 * rollout whose revision fails too often. The counts live in the store (on the revision), so a
 * restart neither forgets a halt nor hands a failing revision a fresh set of tries.
 */
export class RolloutGuard {
  /**
   * When each ready worker became ready. Memory is enough here: after a restart an adopted worker
   * proves itself anew, which only delays a forgiveness.
   */
  private readonly readySince = new Map<string, number>();
  /**
   * Per app, the revision whose count this server last cleared and has seen no failure of since:
   * a pass need not clear it again, which would be a store write per app per pass. This server is
   * the only controller (SQLite's one server, or PostgreSQL's lease holder). One entry per app.
   */
  private readonly forgiven = new Map<string, number>();

  constructor(
    private readonly store: Store,
    private readonly event: EventWriter,
    private readonly options: RolloutGuardOptions,
    private readonly metrics: Pick<PlatformMetrics, 'rolloutHalted'>,
  ) {}

  workerReady(workerId: string): void {
    this.readySince.set(workerId, Date.now());
  }

  workerGone(workerId: string): void {
    this.readySince.delete(workerId);
  }

  /**
   * True while the app's target revision is halted: no worker of it is to be started.
   * `failures`: each FAILED app's failures on its target revision (`apps.failuresOfFailedApps`).
   */
  halted(app: AppRecord, failures: ReadonlyMap<string, number>): boolean {
    return app.status === 'FAILED' && (failures.get(app.id) ?? 0) >= this.options.maxFailures;
  }

  /** A revision whose worker has stayed ready a while has proven itself: its earlier failures are forgiven. */
  async forgiveStable(app: AppRecord, live: readonly WorkerRecord[]): Promise<void> {
    const now = Date.now();
    const stable = new Set<number>();
    for (const worker of live) {
      const since = this.readySince.get(worker.id);
      if (since !== undefined && now - since >= this.options.stableAfterMs) stable.add(worker.revision);
    }
    for (const revision of stable) {
      if (this.forgiven.get(app.id) === revision) continue;
      await this.store.apps.forgiveFailures(app.id, revision);
      this.forgiven.set(app.id, revision);
    }
  }

  /** Every failed worker counts against its revision; too many in a row halt its rollout. */
  async workerFailed(appId: string, worker: WorkerRecord, why: string): Promise<void> {
    this.readySince.delete(worker.id);
    await this.event(appId, 'WARNING', 'AppServer', `Worker/${worker.id} failed: ${why}`);
    if (this.forgiven.get(appId) === worker.revision) this.forgiven.delete(appId);
    const count = await this.store.apps.countFailure(appId, worker.revision);
    const app = await this.store.apps.get(appId);
    if (app && count >= this.options.maxFailures && app.targetRevision === worker.revision && app.status !== 'FAILED') {
      await this.halt(app, `revision ${worker.revision} failed ${count} times in a row: ${why}`);
    }
  }

  /**
   * Stops a rollout whose revision keeps failing: the target goes back to the revision the app
   * was deployed on when the rollout began (its workers stay or return, the failed ones go), the
   * app shows FAILED until the next rollout, and the revision stays marked as failed. With nothing
   * to go back to, no worker is started.
   */
  private async halt(app: AppRecord, reason: string): Promise<void> {
    const back = app.stableRevision > 0 && app.stableRevision !== app.targetRevision ? app.stableRevision : undefined;
    // One line, the failure's own (its last output included); the failed worker's event holds the rest.
    const summary = reason.split('\n')[0] ?? reason;
    await this.store.transaction(async (tx) => {
      await tx.apps.update(app.id, {
        status: 'FAILED',
        statusReason: summary,
        ...(back !== undefined ? { targetRevision: back } : {}),
      });
      // Kept on the revision: the app's reason goes with its next rollout, the revision's failure does not.
      await tx.apps.haltRevision(app.id, app.targetRevision, summary);
    });
    this.metrics.rolloutHalted(appLabel(app));
    // What happens next goes first: after the reason it would read as part of the worker's output.
    const next = back !== undefined ? `revision ${back} keeps serving` : 'no worker is started until the app is upgraded';
    await this.event(app.id, 'WARNING', 'AppServer', `Rollout halted, ${next}: ${summary}`);
  }
}
