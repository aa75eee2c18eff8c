import type { MetricSampleView } from '../../contract/api-views';
import type { RouteTotals } from './metrics';

/** How often the history takes a sample, and how far back it keeps them. */
export const HISTORY_INTERVAL_MS = 5_000;
const HISTORY_SPAN_MS = 3600_000;

export interface HistorySources {
  /** The request histogram per route name, as `/metrics` exposes it. */
  requestTotals(): Promise<Map<string, RouteTotals>>;
  /** The apps the gateway routes to, each with how many requests wait in its queue now. */
  apps(): { id: string; routeName: string; queued: number }[];
  /** Every live worker (not TERMINATED or ERROR), the `everai_workers` gauge's source. */
  liveWorkers(): Promise<{ appId: string }[]>;
}

/**
 * The quantile `q` of the requests between two readings of a cumulative histogram, interpolated
 * inside its bucket as Prometheus' histogram_quantile does; null when no request ended between them.
 * A quantile in the +Inf bucket is the highest finite bound: all a histogram can tell.
 */
export function quantileBetween(q: number, before: RouteTotals | undefined, now: RouteTotals): number | null {
  const total = now.count - (before?.count ?? 0);
  if (total <= 0) return null;
  const bounds = [...now.buckets.keys()].sort((a, b) => a - b);
  const rank = q * total;
  let lower = 0;
  let below = 0;
  for (const bound of bounds) {
    const cumulative = (now.buckets.get(bound) ?? 0) - (before?.buckets.get(bound) ?? 0);
    if (cumulative >= rank) {
      if (bound === Infinity) return lower;
      const inBucket = cumulative - below;
      return inBucket > 0 ? lower + ((bound - lower) * (rank - below)) / inBucket : bound;
    }
    lower = bound;
    below = cumulative;
  }
  return lower;
}

/**
 * An hour of each app's numbers, kept in memory for the console's charts (docs/console.md): every
 * few seconds, the requests per second and p50/p99 latency since the last sample (from the same
 * histogram `/metrics` serves), the queue length and the live workers. Keyed by app id, so apps of
 * different users that share a NAMESPACE/NAME never mix; a restarted server starts it empty.
 */
export class MetricHistory {
  private readonly samples = new Map<string, MetricSampleView[]>();
  private last: { at: number; totals: Map<string, RouteTotals> } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private sampling: Promise<void> | undefined;

  constructor(
    private readonly sources: HistorySources,
    private readonly onError: (error: unknown) => void,
    readonly intervalMs = HISTORY_INTERVAL_MS,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      if (this.sampling) return;
      this.sampling = this.sample()
        .catch(this.onError)
        .finally(() => (this.sampling = undefined));
    }, this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.sampling;
  }

  /** The app's samples, oldest first. */
  of(appId: string): MetricSampleView[] {
    return this.samples.get(appId) ?? [];
  }

  /** Takes one sample of every routed app (the timer's job; tests call it directly). */
  async sample(now = Date.now()): Promise<void> {
    const [totals, workers] = await Promise.all([this.sources.requestTotals(), this.sources.liveWorkers()]);
    const workersOf = new Map<string, number>();
    for (const { appId } of workers) workersOf.set(appId, (workersOf.get(appId) ?? 0) + 1);
    const previous = this.last;
    const seconds = previous ? (now - previous.at) / 1000 : 0;
    const routed = this.sources.apps();
    for (const app of routed) {
      const current = totals.get(app.routeName) ?? { count: 0, buckets: new Map() };
      const before = previous?.totals.get(app.routeName);
      const served = current.count - (before?.count ?? 0);
      const toMs = (value: number | null) => (value === null ? null : Math.round(value * 10_000) / 10);
      const sample: MetricSampleView = {
        at: new Date(now).toISOString(),
        requestsPerSecond: previous && seconds > 0 ? Math.round((served / seconds) * 100) / 100 : 0,
        p50Ms: previous ? toMs(quantileBetween(0.5, before, current)) : null,
        p99Ms: previous ? toMs(quantileBetween(0.99, before, current)) : null,
        queueLength: app.queued,
        workers: workersOf.get(app.id) ?? 0,
      };
      const kept = this.samples.get(app.id) ?? [];
      kept.push(sample);
      const cutoff = now - HISTORY_SPAN_MS;
      while (kept.length > 0 && Date.parse((kept[0] as MetricSampleView).at) < cutoff) kept.shift();
      this.samples.set(app.id, kept);
    }
    // A deleted app's history goes with it.
    const live = new Set(routed.map((app) => app.id));
    for (const id of this.samples.keys()) if (!live.has(id)) this.samples.delete(id);
    this.last = { at: now, totals };
  }
}
