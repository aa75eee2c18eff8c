import { Gauge } from 'prom-client';
import type { PlatformMetrics } from './metrics';

/** What the gauges read when Prometheus scrapes: the gateway's memory and one store query. */
export interface GaugeSources {
  /** Each app's waiting requests by reason, 0 included. */
  queueLengths(): { app: string; reason: string; length: number }[];
  /** Every worker that is not TERMINATED or ERROR. */
  liveWorkers(): Promise<{ appId: string; status: string }[]>;
  /** The `app` label of an app id; undefined for one this server does not route to (deleted). */
  appName(appId: string): string | undefined;
}

/**
 * Gauges computed at scrape time rather than kept up to date on every change: the state already
 * lives in the gateway and the store, and a second copy could drift from it. Several users' apps
 * may share a NAMESPACE/NAME, so values are added up per label set, never set.
 */
export function addScrapeGauges(metrics: PlatformMetrics, sources: GaugeSources): void {
  new Gauge({
    name: 'everai_queue_length',
    help: "Requests waiting in an app's queue for a worker, by why they wait (WorkerBusy, NotDispatch, QueueDueSession).",
    labelNames: ['app', 'reason'] as const,
    registers: [metrics.registry],
    collect() {
      this.reset();
      for (const { app, reason, length } of sources.queueLengths()) this.inc({ app, reason }, length);
    },
  });
  new Gauge({
    name: 'everai_workers',
    help: 'Live workers (not TERMINATED or ERROR), by app and status.',
    labelNames: ['app', 'status'] as const,
    registers: [metrics.registry],
    async collect() {
      const workers = await sources.liveWorkers();
      this.reset();
      for (const worker of workers) {
        const app = sources.appName(worker.appId);
        if (app !== undefined) this.inc({ app, status: worker.status });
      }
    },
  });
}
