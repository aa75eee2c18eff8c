/** How long a session stays pinned to its worker after its last request (docs/autoscaling.md, "Sessions"). */
export const SESSION_TTL_MS = 10 * 60_000;
/**
 * The most pins one app keeps. Session ids are whatever clients send, so without a cap a client
 * minting a new id per request grows the gateway's memory for the whole TTL; past it the least
 * recently used pin goes (that session's next request may land on another worker).
 */
export const MAX_SESSION_PINS = 100_000;
/** On the request path, expired pins are swept at most this often (a sweep allocates an iterator). */
const SWEEP_EVERY_MS = 1_000;

interface Pin {
  slotId: string;
  lastUsed: number;
}

export interface SessionPinOptions {
  ttlMs?: number;
  maxPins?: number;
  /** The clock; tests pass their own to expire pins without waiting. */
  now?: () => number;
}

/**
 * Which worker each session (`x-everai-session-id`) is pinned to, until it has been idle for the
 * TTL. Pins are kept in last-use order (a touch re-inserts), so the expired ones are always the
 * oldest: a sweep stops at the first fresh pin and never scans the rest.
 */
export class SessionPins {
  private readonly pins = new Map<string, Pin>();
  /** Each worker's sessions, so the autoscaler's count and a worker's exit never scan every pin. */
  private readonly bySlot = new Map<string, Set<string>>();
  private readonly ttlMs: number;
  private readonly maxPins: number;
  private readonly now: () => number;
  private lastSweep = 0;

  constructor(options: SessionPinOptions = {}) {
    this.ttlMs = options.ttlMs ?? SESSION_TTL_MS;
    this.maxPins = options.maxPins ?? MAX_SESSION_PINS;
    this.now = options.now ?? Date.now;
  }

  /** The worker the session is pinned to, or undefined when it has no fresh pin. */
  slotOf(sessionId: string): string | undefined {
    const pin = this.pins.get(sessionId);
    return pin && this.now() - pin.lastUsed <= this.ttlMs ? pin.slotId : undefined;
  }

  /** The session just got a place on `slotId`: it is pinned there, fresh from now. */
  touch(sessionId: string, slotId: string): void {
    const now = this.now();
    const pin = this.pins.get(sessionId);
    if (pin) {
      // Re-inserted to move it to the newest end; the pin object itself is reused.
      this.pins.delete(sessionId);
      if (pin.slotId !== slotId) {
        this.unindex(sessionId, pin.slotId);
        this.index(sessionId, slotId);
        pin.slotId = slotId;
      }
      pin.lastUsed = now;
      this.pins.set(sessionId, pin);
    } else {
      this.pins.set(sessionId, { slotId, lastUsed: now });
      this.index(sessionId, slotId);
      if (this.pins.size > this.maxPins) this.forget(this.pins.keys().next().value as string);
    }
    if (now - this.lastSweep >= SWEEP_EVERY_MS) this.sweep(now);
  }

  /** Fresh sessions pinned to `slotId` (a worker holding one is not scaled down). */
  count(slotId: string): number {
    this.sweep(this.now());
    return this.bySlot.get(slotId)?.size ?? 0;
  }

  /** Fresh pins of every worker (the expired ones are swept first). */
  total(): number {
    this.sweep(this.now());
    return this.pins.size;
  }

  /** The worker is gone: its sessions' next requests go to any worker. */
  dropSlot(slotId: string): void {
    const sessions = this.bySlot.get(slotId);
    if (!sessions) return;
    for (const sessionId of sessions) this.pins.delete(sessionId);
    this.bySlot.delete(slotId);
  }

  private sweep(now: number): void {
    this.lastSweep = now;
    for (const [sessionId, pin] of this.pins) {
      if (now - pin.lastUsed <= this.ttlMs) return;
      this.forget(sessionId);
    }
  }

  private forget(sessionId: string): void {
    const pin = this.pins.get(sessionId);
    if (!pin) return;
    this.pins.delete(sessionId);
    this.unindex(sessionId, pin.slotId);
  }

  private index(sessionId: string, slotId: string): void {
    const sessions = this.bySlot.get(slotId);
    if (sessions) sessions.add(sessionId);
    else this.bySlot.set(slotId, new Set([sessionId]));
  }

  private unindex(sessionId: string, slotId: string): void {
    const sessions = this.bySlot.get(slotId);
    if (!sessions) return;
    sessions.delete(sessionId);
    if (sessions.size === 0) this.bySlot.delete(slotId);
  }
}
