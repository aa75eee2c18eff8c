import type { Logger } from '../logger';
import type { Store } from '../store/store';

const HOUR_MS = 3600_000;

/**
 * Keeps `app events` bounded (docs/events.md): events older than the retention age are dropped, on a timer
 * that never keeps the process alive. What remains is listed newest first.
 */
export class EventRetention {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: Store,
    private readonly retentionMs: number,
    private readonly log: Logger,
    private readonly everyMs = Math.min(HOUR_MS, Math.max(1000, retentionMs / 10)),
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.prune().catch((error: unknown) => this.log.error('event pruning failed', { error })), this.everyMs);
    this.timer.unref();
  }

  /** Drops what is past the retention age; returns how many went. */
  prune(now = Date.now()): Promise<number> {
    return this.store.events.prune(new Date(now - this.retentionMs).toISOString());
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
