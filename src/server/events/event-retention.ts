import type { Logger } from '../logger';
import { RetentionLoop } from '../retention/retention-loop';
import type { Store } from '../store/store';

/** Keeps `app events` bounded (docs/events.md): events older than the retention age are dropped. */
export class EventRetention extends RetentionLoop {
  constructor(store: Store, retentionMs: number, log: Logger, everyMs?: number) {
    super('event', retentionMs, (before) => store.events.prune(before), log, everyMs);
  }
}
