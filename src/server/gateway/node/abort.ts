import { EventEmitter } from 'node:events';

/**
 * What a request's wait and its exchange with a worker listen to, to stop: an AbortSignal, or an
 * Abort.
 */
export interface AbortSource {
  readonly aborted: boolean;
  readonly reason: unknown;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/**
 * An abort signal for the request path, made per request and per exchange: a plain emitter that
 * undici's `signal` takes as it takes an AbortSignal. AbortControllers, joined per exchange with
 * AbortSignal.any (WeakRefs and finalizers behind both), were 7% of the server's CPU under load.
 */
export class Abort extends EventEmitter implements AbortSource {
  aborted = false;
  reason: unknown = undefined;

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.emit('abort');
  }

  // A listener runs once at most: an Abort aborts once.
  addEventListener(_type: 'abort', listener: () => void): void {
    this.once('abort', listener);
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    this.off('abort', listener);
  }

  /** Aborts this one too, with its reason, when `other` aborts; until the returned function is called. */
  follow(other: AbortSource): () => void {
    if (other.aborted) {
      this.abort(other.reason);
      return () => undefined;
    }
    const onAbort = () => this.abort(other.reason);
    other.addEventListener('abort', onAbort, { once: true });
    return () => other.removeEventListener('abort', onAbort);
  }
}
