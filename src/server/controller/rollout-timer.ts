import { appLabel, type PlatformMetrics } from '../metrics/metrics';
import type { AppRecord } from '../store/records';

/**
 * Times rollouts (`everai_rollout_duration_seconds`, docs/metrics.md): from the write that set the
 * app PREPARING on a new target revision to DEPLOYED on it. An app that goes PREPARING again on
 * the same revision (a worker replaced, a scale-up, a resume) is converging, not rolling out, and
 * is not timed again. Memory is enough: the histogram itself starts empty with the server, and
 * after a restart at most one convergence per app is timed as a rollout. One entry per app,
 * dropped when the app is retired.
 */
export class RolloutTimer {
  /** Per app, the revision whose rollout was last timed. */
  private readonly timed = new Map<string, number>();

  constructor(private readonly metrics: Pick<PlatformMetrics, 'rolloutFinished'>) {}

  /** `app` as read before its status became DEPLOYED: its `updatedAt` is when it was set PREPARING. */
  deployed(app: AppRecord): void {
    if (this.timed.get(app.id) === app.targetRevision) return;
    this.timed.set(app.id, app.targetRevision);
    this.metrics.rolloutFinished(appLabel(app), (Date.now() - Date.parse(app.updatedAt)) / 1000);
  }

  forget(appId: string): void {
    this.timed.delete(appId);
  }
}
