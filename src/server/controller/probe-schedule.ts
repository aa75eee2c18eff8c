/** How long a starting worker is probed at the fast pace: a trivial app is ready well within it. */
const FAST_FOR_MS = 1000;
const FAST_INTERVAL_MS = 10;

/**
 * The wait before the next readiness probe of a worker whose start began `sinceStartMs` ago. A
 * trivial SDK app answers about 100 ms after its process starts, so probing only every
 * `intervalMs` (100 ms) would add up to as much again to each start. Its first second is probed
 * every 10 ms instead (a probe before the worker listens is a refused connection, far under a
 * millisecond of the server's time); a worker that prepares for longer is probed at `intervalMs`.
 */
export function probeDelayMs(sinceStartMs: number, intervalMs: number): number {
  return sinceStartMs < FAST_FOR_MS ? Math.min(FAST_INTERVAL_MS, intervalMs) : intervalMs;
}

/**
 * A nudged probe comes at least this long after the wait before it began: a worker that prints
 * line after line while it prepares gets a probe per line at most this often, not per line.
 */
const NUDGE_GAP_MS = 2;

/**
 * The wait between readiness probes of one starting worker, cut short when the worker may just
 * have become ready (`nudge`: its program wrote output), so it is probed within moments of
 * listening instead of at the next tick. A nudge during a probe shortens the wait after it.
 */
export class ProbeWait {
  private nudged = false;
  private cutShort: (() => void) | undefined;

  nudge(): void {
    if (this.cutShort) this.cutShort();
    else this.nudged = true;
  }

  /** Resolves after `ms`, sooner once nudged, or at once when `signal` aborts. */
  wait(ms: number, signal: AbortSignal): Promise<void> {
    const began = Date.now();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        this.cutShort = undefined;
        resolve();
      };
      let timer = setTimeout(done, ms);
      this.cutShort = () => {
        this.cutShort = undefined;
        clearTimeout(timer);
        timer = setTimeout(done, Math.max(0, began + NUDGE_GAP_MS - Date.now()));
      };
      signal.addEventListener('abort', done, { once: true });
      if (this.nudged) {
        this.nudged = false;
        this.cutShort();
      }
    });
  }
}
