import { EveraiError } from '../../../contract/errors';
import type { QueueReason, QueuedRequestView } from '../../../contract/api-views';
import type { AppRecord } from '../../store/records';
import type { AbortSource } from './abort';
import { SessionPins } from './session-pins';
import type { WorkerSlot } from './worker-slot';

interface Waiter {
  sessionId: string | undefined;
  exclude: ReadonlySet<string>;
  /** Whether it waits for a place on a worker (acquire), or only for a worker taking requests (untilLive). */
  takesPlace: boolean;
  createdAt: string;
  resolve(slot: WorkerSlot): void;
  reject(error: Error): void;
}

const NONE: ReadonlySet<string> = new Set();

/** A request waited `timeoutMs` in the queue of `app` for a worker, in vain. */
export function queueTimeout(app: AppRecord, timeoutMs: number): EveraiError {
  return new EveraiError('EVERAI_QUEUE_TIMEOUT', `no worker of app '${app.name}' could take the request within ${Math.round(timeoutMs / 1000)} s`, {
    headers: { 'retry-after': '5' },
  });
}

/**
 * An app's routing state: its workers, its FIFO queue and its session pins. All of it lives in one
 * event loop, so choosing a slot and counting the request on it happen with nothing in between:
 * a slot the controller marks REMOVE never gets a request after that.
 */
export class AppRoute {
  readonly slots: WorkerSlot[] = [];
  private queue: Waiter[] = [];

  constructor(
    public app: AppRecord,
    private readonly sessions = new SessionPins(),
  ) {}

  /**
   * Takes a place on a worker, waiting in the queue while none is free. `exclude` names workers
   * that already failed this request: a retry never goes back to them.
   */
  acquire(sessionId: string | undefined, timeoutMs: number, signal: AbortSource, exclude: ReadonlySet<string> = NONE): Promise<WorkerSlot> {
    const slot = this.queue.length === 0 ? this.pick(sessionId, exclude) : undefined;
    if (slot && !signal.aborted) return Promise.resolve(this.take(slot, sessionId));
    return this.wait({ sessionId, exclude, takesPlace: true }, timeoutMs, signal);
  }

  /**
   * Resolves once the app has a worker taking requests, waiting in the queue (NotDispatch) while it
   * has none; takes no place on it: the data plane in front counts the request (a relay).
   */
  async untilLive(timeoutMs: number, signal: AbortSource): Promise<void> {
    if (this.live() && !signal.aborted) return;
    await this.wait({ sessionId: undefined, exclude: NONE, takesPlace: false }, timeoutMs, signal);
  }

  private live(): WorkerSlot | undefined {
    return this.slots.find((s) => !s.draining);
  }

  private wait(wanted: Pick<Waiter, 'sessionId' | 'exclude' | 'takesPlace'>, timeoutMs: number, signal: AbortSource): Promise<WorkerSlot> {
    // An abort listener added now would never fire: a client already gone must not wait the timeout in the queue.
    if (signal.aborted) return Promise.reject(new Error('client went away'));
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        ...wanted,
        createdAt: new Date().toISOString(),
        resolve: (s) => {
          cleanup();
          resolve(s);
        },
        reject: (e) => {
          cleanup();
          reject(e);
        },
      };
      const leave = (error: Error) => {
        const index = this.queue.indexOf(waiter);
        if (index >= 0) this.queue.splice(index, 1);
        waiter.reject(error);
      };
      const timer = setTimeout(() => leave(queueTimeout(this.app, timeoutMs)), timeoutMs);
      const onAbort = () => leave(new Error('client went away'));
      signal.addEventListener('abort', onAbort, { once: true });
      const cleanup = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
      };
      this.queue.push(waiter);
    });
  }

  private reasonFor(sessionId: string | undefined): QueueReason {
    if (!this.live()) return 'NotDispatch';
    if (sessionId && this.pinnedSlot(sessionId)) return 'QueueDueSession';
    return 'WorkerBusy';
  }

  private pinnedSlot(sessionId: string): WorkerSlot | undefined {
    const slotId = this.sessions.slotOf(sessionId);
    if (slotId === undefined) return undefined;
    for (const slot of this.slots) if (slot.id === slotId) return slot.draining ? undefined : slot;
    return undefined;
  }

  /** A free slot: the session's own if it has a live one, else the newest revision's least busy. */
  private pick(sessionId: string | undefined, exclude: ReadonlySet<string>): WorkerSlot | undefined {
    if (sessionId) {
      const pinned = this.pinnedSlot(sessionId);
      if (pinned && !exclude.has(pinned.id)) return pinned.free ? pinned : undefined;
    }
    let best: WorkerSlot | undefined;
    for (const slot of this.slots) {
      if (!slot.free || exclude.has(slot.id)) continue;
      if (!best || slot.revision > best.revision || (slot.revision === best.revision && slot.inflight < best.inflight)) {
        best = slot;
      }
    }
    return best;
  }

  private take(slot: WorkerSlot, sessionId: string | undefined): WorkerSlot {
    slot.inflight++;
    if (sessionId) this.sessions.touch(sessionId, slot.id);
    return slot;
  }

  /** Hands free places to waiters, first come first served (a session waits for its own worker). */
  pump(): void {
    if (this.queue.length === 0) return;
    const still: Waiter[] = [];
    for (const waiter of this.queue) {
      const slot = waiter.takesPlace ? this.pick(waiter.sessionId, waiter.exclude) : this.live();
      if (!slot) still.push(waiter);
      else waiter.resolve(waiter.takesPlace ? this.take(slot, waiter.sessionId) : slot);
    }
    this.queue = still;
  }

  release(slot: WorkerSlot, ok: boolean): void {
    slot.release(ok);
    this.pump();
  }

  addSlot(slot: WorkerSlot): void {
    this.slots.push(slot);
    this.pump();
  }

  removeSlot(slotId: string): WorkerSlot | undefined {
    const index = this.slots.findIndex((s) => s.id === slotId);
    if (index < 0) return undefined;
    const [slot] = this.slots.splice(index, 1);
    // Its pins would only sit there until they expired: the sessions go to any worker now.
    this.sessions.dropSlot(slotId);
    return slot;
  }

  queued(): QueuedRequestView[] {
    return this.queue.map((w, index) => ({ index, createdAt: w.createdAt, reason: this.reasonFor(w.sessionId) }));
  }

  /** Fails every waiter (the app was paused or deleted). */
  rejectAll(error: EveraiError): void {
    const waiting = this.queue;
    this.queue = [];
    for (const waiter of waiting) waiter.reject(error);
  }

  sessionCount(slotId: string): number {
    return this.sessions.count(slotId);
  }

  /** Fresh session pins over all workers: bounded by the TTL and MAX_SESSION_PINS. */
  pinnedSessions(): number {
    return this.sessions.total();
  }
}
