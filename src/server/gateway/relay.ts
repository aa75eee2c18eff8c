import type { Pool } from 'undici';
import type { AppRecord } from '../store/records';

/** Where the relay takes a request, and how it hears that the request has left its queue. */
export interface RelayTarget {
  path: string;
  headers: Record<string, string>;
  /** Told once the relay answered the request or failed it (more than once is once): it waits in the relay's queue no more. */
  answered(): void;
}

/**
 * A data plane in front of the Node gateway that owns each worker's places (HAProxy, with its
 * `maxconn` and queue): the Node gateway sends it the app requests it forwards, rather than going
 * straight to a worker, so one dispatcher counts every request a worker holds.
 */
export interface Relay {
  /** Keep-alive connections to it, as they are now (a reload of the data plane renews them). */
  pool(): Pool;
  /**
   * The request target and the added headers that send a request for `app` to one of its workers
   * at `workerPath`, on its main port or on the declared `servicePort`. Undefined when it cannot
   * reach that service port on whichever worker it picks: the gateway then picks the worker.
   */
  target(app: AppRecord, workerPath: string, servicePort?: string): RelayTarget | undefined;
  /** The response header naming the worker that answered: the relay adds it, the client never gets it. */
  readonly workerHeader: string;
  /**
   * Whether it routes the app at all: false for an app its running config lacks (a reload that did
   * not load), whose requests the gateway sends straight to a worker, as before it had a relay.
   */
  routes(appId: string): boolean;
  /** Whether it has a worker of the app taking requests now, asked afresh (false when it cannot say). */
  up(appId: string): Promise<boolean>;
}
