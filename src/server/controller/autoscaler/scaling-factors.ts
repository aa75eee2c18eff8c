import type { QueueReason } from '../../../contract/api-views';

/**
 * What an autoscaler decides from (docs/autoscaling.md): one app's workers and queue at one
 * moment. Gathered by the autoscale loop; the decisions themselves are pure functions of it.
 */
export interface WorkerFactor {
  id: string;
  /** starting: not ready yet; free: takes another request now; busy: at its concurrency. */
  state: 'starting' | 'free' | 'busy';
  /** Requests it is serving now. */
  inflight: number;
  /** Sessions pinned to it that are still fresh (the gateway forgets a pin after its TTL). */
  sessions: number;
  /** Milliseconds since it last finished a request, or since it started if it never served. */
  idleMs: number;
  createdAt: string;
}

export interface ScalingFactors {
  /** Live workers not leaving (REMOVE ones are gone already as far as scaling goes), oldest first. */
  workers: WorkerFactor[];
  /** Requests waiting in the gateway's queue, by why they wait. */
  queue: Record<QueueReason, number>;
}

/** Arguments both builtin autoscalers share, resolved to numbers (Placeholders read). */
export interface BaseScalerArgs {
  minWorkers: number;
  maxWorkers: number;
  scaleUpStep: number;
  /** Seconds. */
  maxIdleTime: number;
}

export type ScalingDecision =
  | { action: 'hold'; reason: string }
  | { action: 'up'; count: number; reason: string }
  | { action: 'down'; workerIds: string[]; reason: string };

export const hold = (reason: string): ScalingDecision => ({ action: 'hold', reason });
