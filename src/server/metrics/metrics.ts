import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import type { EndedRequest } from '../http/access-log';
import { BulkHistogram } from './bulk-histogram';

/** The `app` label: `NAMESPACE/NAME`, as a user names the app in a route. */
export const appLabel = (app: { namespace: string; name: string }): string => `${app.namespace}/${app.name}`;

/** One route's requests so far: how many, and how many took at most each bucket's bound (seconds). */
export interface RouteTotals {
  count: number;
  buckets: Map<number, number>;
}

interface UnreadRequests {
  labels: Record<'app' | 'route' | 'method' | 'code', string>;
  count: number;
}

/** Seconds, from a request served from memory to a cold start that pulls an image and boots Python. */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const STARTUP_BUCKETS = [0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600];

/**
 * The platform's metrics (docs/metrics.md), in a Registry of their own rather than prom-client's
 * global one, so each server in a process counts only what it saw. The parts that observe
 * something get this through their deps; gauges read at scrape time are added by `scrape-gauges.ts`.
 * Every label is bounded: apps, route names, HTTP methods and codes, statuses; never a raw path.
 */
export class PlatformMetrics {
  readonly registry = new Registry();

  /**
   * Requests answered since `requests` was last read, by label set: a map entry's count goes up
   * for each request, and prom-client's counter (its label checks and hashing) is touched once per
   * label set when it is read (its `collect`).
   */
  private readonly unreadRequests = new Map<string, UnreadRequests>();
  /**
   * Each app's last label set counted, and where it counts: an app's requests mostly share one,
   * and finding it again by its app (whose name is hashed once) spares two strings made and hashed
   * a request. Requests of several apps come interleaved, hence one an app.
   */
  private readonly lastRequests = new Map<string, { route: string; method: string; status: number; labels: Record<'app' | 'route' | 'method', string>; key: string; unread: UnreadRequests }>();

  private readonly requests = new Counter({
    name: 'everai_requests_total',
    help: 'Requests the gateway answered, by app, route name, method and HTTP status code.',
    labelNames: ['app', 'route', 'method', 'code'] as const,
    registers: [this.registry],
    collect: () => {
      for (const { labels, count } of this.unreadRequests.values()) this.requests.inc(labels, count);
      this.unreadRequests.clear();
      this.lastRequests.clear();
    },
  });

  // The two histograms every request adds to, HAProxy's and the Node gateway's alike.
  private readonly requestSeconds = new BulkHistogram(
    'everai_request_duration_seconds',
    'How long the gateway took to answer a request, to the end of its response (a stream: its whole length).',
    ['app', 'route', 'method'] as const,
    LATENCY_BUCKETS,
    this.registry,
  );

  private readonly queueSeconds = new BulkHistogram(
    'everai_queue_wait_seconds',
    "How long a request waited in its app's queue for a worker (0 when one was free).",
    ['app'] as const,
    LATENCY_BUCKETS,
    this.registry,
  );

  private readonly coldStartSeconds = new Histogram({
    name: 'everai_cold_start_seconds',
    help: "From a worker's creation to its first ready probe: image preparation, start and the app's own boot.",
    labelNames: ['app'] as const,
    buckets: STARTUP_BUCKETS,
    registers: [this.registry],
  });

  private readonly rolloutSeconds = new Histogram({
    name: 'everai_rollout_duration_seconds',
    help: 'From the change that set an app PREPARING on a new target revision (create, upgrade, update, rollback) to DEPLOYED on it.',
    labelNames: ['app'] as const,
    buckets: STARTUP_BUCKETS,
    registers: [this.registry],
  });

  private readonly rolloutsFailed = new Counter({
    name: 'everai_rollouts_failed_total',
    help: 'Rollouts halted because their revision failed too often in a row.',
    labelNames: ['app'] as const,
    registers: [this.registry],
  });

  private readonly volumeBytes = new Counter({
    name: 'everai_volume_bytes_total',
    help: 'Volume file bytes moved by completed transfers: push (uploaded blobs) and pull (downloaded files).',
    labelNames: ['direction'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /** A gateway request is over; one that named no app (an unknown route) is left out, its path being anything. */
  requestServed({ method, status, note, seconds }: EndedRequest): void {
    const { app, route } = note;
    if (app === undefined || route === undefined) return;
    let last = this.lastRequests.get(app);
    if (!last || last.status !== status || last.method !== method || last.route !== route) {
      // requestSeconds' key for these labels (labelNames' order), then the counter's.
      const key = `${app}\u0000${route}\u0000${method}`;
      const keyWithCode = `${key}\u0000${status}`;
      let unread = this.unreadRequests.get(keyWithCode);
      if (!unread) this.unreadRequests.set(keyWithCode, (unread = { labels: { app, route, method, code: String(status) }, count: 0 }));
      last = { route, method, status, labels: { app, route, method }, key, unread };
      this.lastRequests.set(app, last);
    }
    last.unread.count++;
    this.requestSeconds.observe(last.labels, seconds, last.key);
  }

  queueWaited(app: string, seconds: number): void {
    this.queueSeconds.observe({ app }, seconds, app);
  }

  workerStarted(app: string, seconds: number): void {
    this.coldStartSeconds.observe({ app }, seconds);
  }

  rolloutFinished(app: string, seconds: number): void {
    this.rolloutSeconds.observe({ app }, seconds);
  }

  rolloutHalted(app: string): void {
    this.rolloutsFailed.inc({ app });
  }

  volumeTransferred(direction: 'push' | 'pull', bytes: number): void {
    this.volumeBytes.inc({ direction }, bytes);
  }

  /**
   * The request duration histogram added up per route name (one app's: route names are unique),
   * over methods: its count and its cumulative buckets, upper bound → requests at or under it.
   */
  async requestTotalsByRoute(): Promise<Map<string, RouteTotals>> {
    const totals = new Map<string, RouteTotals>();
    for (const { labels, value, metricName } of (await this.requestSeconds.get()).values) {
      const route = String(labels.route);
      let entry = totals.get(route);
      if (!entry) totals.set(route, (entry = { count: 0, buckets: new Map() }));
      if (metricName === 'everai_request_duration_seconds_count') entry.count += value;
      else if (metricName === 'everai_request_duration_seconds_bucket') {
        // prom-client adds `le` to a bucket's labels, beyond the histogram's declared ones.
        const bound = (labels as { le?: string | number }).le;
        const le = bound === '+Inf' ? Infinity : Number(bound);
        entry.buckets.set(le, (entry.buckets.get(le) ?? 0) + value);
      }
    }
    return totals;
  }

  /** The Prometheus text exposition format, and its content type. */
  async exposition(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
