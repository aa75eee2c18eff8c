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
