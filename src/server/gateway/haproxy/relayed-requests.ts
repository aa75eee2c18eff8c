import { dispatchPortFor, type HaproxyServer } from './haproxy-config';

/**
 * HAProxy's `timeout queue` counts from when a request joins the queue, a moment after the Node
 * server sent it: the moment, at most.
 */
const QUEUE_JOIN_MS = 1000;

/** A service-port request sent through HAProxy's dispatch frontend, until HAProxy answers it. */
interface RelayedRequest {
  /** The service port it is for, as the app declares it. */
  declared: string;
  /** The dispatch port it was sent with (dispatchPortFor). */
  port: number;
  sentAt: number;
  answered: Promise<void>;
}

/**
 * The service-port requests the Node server sent through HAProxy and HAProxy has not answered
 * yet, by app: one may still wait in its app's queue, at the dispatch port it was sent with, which
 * a server keeping that port at another distance would turn into a port it does not name.
 */
export class RelayedRequests {
  private readonly byApp = new Map<string, Set<RelayedRequest>>();

  /** Counts a request for service port `declared` of the app, sent at `port`; answers what to call once HAProxy answered it (more than once is once). */
  sent(appId: string, declared: string, port: number): () => void {
    const requests = this.byApp.get(appId) ?? new Set<RelayedRequest>();
    this.byApp.set(appId, requests);
    let answer = () => {};
    const request: RelayedRequest = { declared, port, sentAt: Date.now(), answered: new Promise((resolve) => (answer = resolve)) };
    requests.add(request);
    return () => {
      if (!requests.delete(request)) return;
      answer();
      if (requests.size === 0 && this.byApp.get(appId) === requests) this.byApp.delete(appId);
    };
  }

  /**
   * Resolves once none of the app's requests that `server` would take to another port than they
   * name can be in the queue: each was answered, or the queue timeout has passed since the last
   * was sent (one unanswered then is with a worker). Undefined when there is none.
   */
  untilNoneQueuedFor(appId: string, server: HaproxyServer, publicPort: number, queueTimeoutMs: number): Promise<void> | undefined {
    const elsewhere = [...(this.byApp.get(appId) ?? [])].filter((r) => dispatchPortFor([server], r.declared, publicPort) !== r.port);
    if (elsewhere.length === 0) return undefined;
    const lastSent = Math.max(...elsewhere.map((r) => r.sentAt));
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, lastSent + queueTimeoutMs + QUEUE_JOIN_MS - Date.now()).unref();
    });
    return Promise.race([Promise.all(elsewhere.map((r) => r.answered)), timedOut]).then(() => clearTimeout(timer));
  }
}
