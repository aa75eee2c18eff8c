import type { QueueReason } from '../../../contract/api-views';
import type { SlotLoad } from '../../gateway/data-plane';
import type { AppRecord, WorkerRecord } from '../../store/records';
import type { ScalingFactors, WorkerFactor } from './scaling-factors';

/** The part of the gateway the autoscaler reads: who waits, and how busy each worker is. */
export interface ScalingGateway {
  queue(appId: string): { reason: QueueReason }[];
  load(appId: string, workerId: string): SlotLoad | undefined;
  onStarved(listener: (appId: string) => void): void;
}

const time = (iso: string | null | undefined) => (iso ? Date.parse(iso) || 0 : 0);

/** True while some worker that stays is not on the target revision: a rollout is under way. */
export function rollingOut(app: AppRecord, live: readonly WorkerRecord[]): boolean {
  return live.some((w) => w.phase !== 'REMOVE' && w.revision !== app.targetRevision);
}

/** The factors of one app now: its live workers not leaving, with their load, and its queue. */
export function gatherFactors(app: AppRecord, live: readonly WorkerRecord[], gateway: ScalingGateway, now: number): ScalingFactors {
  const workers: WorkerFactor[] = live
    .filter((w) => w.phase !== 'REMOVE' && w.status !== 'TERMINATING')
    .map((w) => {
      const load = gateway.load(app.id, w.id);
      // READY but not yet in the gateway is a moment of a start: it takes no request yet.
      const state = w.phase !== 'READY' || !load ? 'starting' : load.inflight >= load.concurrency ? 'busy' : 'free';
      // A user's scale-up counts as activity of every worker: none is idle for maxIdleTime after it.
      const lastActive = Math.max(time(load?.lastServeAt), time(w.lastServeAt), time(w.launchAt ?? w.createdAt), time(app.manualScaleAt));
      return {
        id: w.id,
        state,
        inflight: load?.inflight ?? 0,
        sessions: load?.sessions ?? 0,
        idleMs: load && load.inflight > 0 ? 0 : Math.max(0, now - lastActive),
        createdAt: w.createdAt,
      };
    });
  const queue: Record<QueueReason, number> = { WorkerBusy: 0, NotDispatch: 0, QueueDueSession: 0 };
  for (const waiting of gateway.queue(app.id)) queue[waiting.reason]++;
  return { workers, queue };
}
