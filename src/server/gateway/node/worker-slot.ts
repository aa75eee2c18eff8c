import { Pool } from 'undici';
import type { Abort } from './abort';

/** One routable worker as the gateway sees it: where it listens and how busy it is. */
export class WorkerSlot {
  inflight = 0;
  /** REMOVE: takes nothing new, finishes what it holds. */
  draining = false;
  successCount = 0;
  failedCount = 0;
  /** When the slot last answered (epoch ms): a number per request, the ISO string only when read. */
  private lastServedMs: number | undefined;
  private limit: number;
  private mainPool: Pool;
  /** Pools to the worker's other declared ports, made on first use. */
  private servicePools = new Map<string, Pool>();
  /** Pools replaced by a concurrency change, finishing the requests they hold. */
  private readonly retiring = new Set<Promise<void>>();
  private drained: (() => void)[] = [];
  /** The exchanges with the worker under way, each aborted when a drain's deadline cuts them (`cut`). */
  private readonly exchanges = new Set<Abort>();
  /** Why the slot's requests were cut, once they were: an exchange begun after is cut at once. */
  private cutReason: Error | undefined;

  constructor(
    readonly id: string,
    readonly appId: string,
    readonly revision: number,
    readonly url: string,
    concurrency: number,
    /** Declared port → the port the worker really listens on (manifest `services`). */
    readonly servicePorts: Record<string, number> = {},
  ) {
    this.limit = concurrency;
    this.mainPool = this.newPool(url);
  }

  /** How many requests the worker serves at once. */
  get concurrency(): number {
    return this.limit;
  }

  /** The pool to the worker's main port. */
  get pool(): Pool {
    return this.mainPool;
  }

  /**
   * The app's concurrency changed (`app update`, no rollout). An undici pool's connection count is
   * fixed, so fresh pools of the new size take every new request, and the old ones close once the
   * requests they hold have ended: a pool too small would queue requests the worker could serve.
   */
  setConcurrency(concurrency: number): void {
    if (concurrency === this.limit) return;
    this.limit = concurrency;
    const old = this.pools();
    this.mainPool = this.newPool(this.url);
    this.servicePools = new Map();
    for (const pool of old) {
      // A close can only fail on a pool already closed: nothing left to wait for, and no unhandled rejection.
      const closing = pool
        .close()
        .catch(() => undefined)
        .finally(() => this.retiring.delete(closing));
      this.retiring.add(closing);
    }
  }

  private newPool(url: string): Pool {
    // Keep-alive connections to the worker, as many as it may serve at once (and a spare).
    return new Pool(url, { connections: this.limit + 1, pipelining: 1, keepAliveTimeout: 30_000 });
  }

  /** The pool for a declared port (`x-everai-port`), or undefined when the worker has no such port. */
  poolFor(declaredPort: string): Pool | undefined {
    const real = this.servicePorts[declaredPort];
    if (real === undefined) return undefined;
    let pool = this.servicePools.get(declaredPort);
    if (!pool) {
      // The worker's host (loopback, or a container's address) with the declared port's real one.
      const url = new URL(this.url);
      url.port = String(real);
      pool = url.origin === this.url ? this.mainPool : this.newPool(url.origin);
      this.servicePools.set(declaredPort, pool);
    }
    return pool;
  }

  get lastServeAt(): string | null {
    return this.lastServedMs === undefined ? null : new Date(this.lastServedMs).toISOString();
  }

  get free(): boolean {
    return !this.draining && this.inflight < this.limit;
  }

  release(ok: boolean): void {
    this.inflight--;
    this.served(ok, Date.now());
    if (this.inflight === 0) this.flushDrained();
  }

  /** Counts a request the worker answered (`ok`: below 500) at `atMs`, whoever sent it there. */
  served(ok: boolean, atMs: number): void {
    if (ok) this.successCount++;
    else this.failedCount++;
    this.lastServedMs = Math.max(this.lastServedMs ?? 0, atMs);
  }

  /** Counts `exchange` among the slot's, to be aborted if they are cut, until `letGo`. */
  hold(exchange: Abort): void {
    if (this.cutReason) exchange.abort(this.cutReason);
    else this.exchanges.add(exchange);
  }

  letGo(exchange: Abort): void {
    this.exchanges.delete(exchange);
  }

  /** Ends every request the slot holds, with `reason` as each one's error; returns how many there were. */
  cut(reason: Error): number {
    const held = this.inflight;
    this.cutReason = reason;
    for (const exchange of this.exchanges) exchange.abort(reason);
    this.exchanges.clear();
    return held;
  }

  /** Resolves once the slot holds no request; it takes no new one from now on. */
  drain(): Promise<void> {
    this.draining = true;
    if (this.inflight === 0) return Promise.resolve();
    return new Promise((resolve) => this.drained.push(resolve));
  }

  private flushDrained(): void {
    const waiting = this.drained;
    this.drained = [];
    for (const resolve of waiting) resolve();
  }

  /** Every open pool, each once (a declared port may be the main one). */
  private pools(): Set<Pool> {
    return new Set([this.mainPool, ...this.servicePools.values()]);
  }

  /** Resolves once no connection to the worker is left, retired pools' included. */
  async close(): Promise<void> {
    this.flushDrained();
    const closing = [...this.pools()].map((pool) => pool.close());
    await Promise.all([...closing, ...this.retiring]);
  }
}
