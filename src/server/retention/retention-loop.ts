import type { Logger } from '../logger';

const HOUR_MS = 3600_000;

/**
 * Drops what is older than a retention age, on a timer that never keeps the process alive: once
 * an hour, more often for short retentions. `dropBefore` gets the cut-off as an ISO time (how the
 * stores keep times) and says how many went.
 */
export class RetentionLoop {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly what: string,
    private readonly retentionMs: number,
    private readonly dropBefore: (before: string) => Promise<number>,
    private readonly log: Logger,
    private readonly everyMs = Math.min(HOUR_MS, Math.max(1000, retentionMs / 10)),
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.prune().catch((error: unknown) => this.log.error(`${this.what} pruning failed`, { error })), this.everyMs);
    this.timer.unref();
  }

  /** Drops what is past the retention age; returns how many went. */
  prune(now = Date.now()): Promise<number> {
    return this.dropBefore(new Date(now - this.retentionMs).toISOString());
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
