import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { EveraiError } from '../../../contract/errors';
import type { Authenticator } from '../../auth';
import type { AccessNote } from '../../http/access-log';
import { appLabel, type PlatformMetrics } from '../../metrics/metrics';
import type { AppRecord, UserRecord } from '../../store/records';
import { Abort } from './abort';
import { AppRoute, queueTimeout } from './app-route';
import type { Relay } from '../relay';
import { QUEUE_REASONS, type QueueReason, type QueuedRequestView } from '../../../contract/api-views';
import { carriesPlatformToken, forwardRequestHeaders, SERVICE_PORT_HEADER, USER_HEADER } from '../forward-headers';
import type { SlotLoad } from '../data-plane';
import { CutOffError, ForwardedBody, proxyToWorker } from './proxy';
import { isGatewayPath, parseRoutePath } from './route-path';
import { WorkerSlot } from './worker-slot';

export interface GatewayDeps {
  auth: Authenticator;
  maxRequestBodyBytes: number;
  queueTimeoutMs: number;
  metrics: Pick<PlatformMetrics, 'queueWaited'>;
}

/** Idempotent requests (RFC 9110 §9.2.2) that got no answer yet may be tried again on another worker. */
const RETRYABLE = new Set(['GET', 'HEAD', 'OPTIONS']);
const MAX_ATTEMPTS = 3;
/** How often a request the relay sent back asks it again whether it has a worker up. */
const RELAY_POLL_MS = 100;

/** One request on its way to a worker: what either way of forwarding it needs. */
interface Forwarding {
  req: IncomingMessage;
  res: ServerResponse;
  route: AppRoute;
  /** The worker's path and query. */
  path: string;
  /** forwardRequestHeaders: built once, however many tries it takes. */
  headers: Record<string, string | string[]>;
  /** Read from the client once, however many tries it takes. */
  body: ForwardedBody;
  note: AccessNote;
  /** Aborted when the client goes. */
  client: Abort;
}

/**
 * Routes requests to an app's workers. It reads only memory: the controller tells it which apps
 * exist (`syncApp`) and which workers are ready (`addWorker`) or going (`drainWorker`).
 */
export class Gateway {
  private readonly routes = new Map<string, AppRoute>();
  /** `namespace/name` (one app per owner) and route name → app ids, so a request finds its app in one lookup. */
  private readonly byName = new Map<string, string[]>();
  private readonly byRouteName = new Map<string, string>();
  private starvedListener: ((appId: string) => void) | undefined;
  private relay: Relay | undefined;

  constructor(private readonly deps: GatewayDeps) {}

  /** From now on the requests it forwards to a worker's main port go through `relay`, which counts and queues them. */
  relayThrough(relay: Relay): void {
    this.relay = relay;
  }

  /**
   * Hears of each request that finds no worker it could ever be served by (an app scaled to zero),
   * so a worker starts at once rather than at the autoscaler's next look.
   */
  onStarved(listener: (appId: string) => void): void {
    this.starvedListener = listener;
  }

  owns(pathname: string): boolean {
    return isGatewayPath(pathname);
  }

  async syncApp(app: AppRecord): Promise<void> {
    const route = this.routes.get(app.id);
    if (!route) {
      this.track(new AppRoute(app));
      return;
    }
    route.app = app;
    for (const slot of route.slots) slot.setConcurrency(app.concurrency);
    if (app.paused) route.rejectAll(new EveraiError('EVERAI_APP_PAUSED', `app '${app.name}' is paused`));
    else route.pump();
  }

  async removeApp(appId: string): Promise<void> {
    const route = this.routes.get(appId);
    if (!route) return;
    this.routes.delete(appId);
    this.unindexName(route.app);
    this.byRouteName.delete(route.app.routeName);
    route.rejectAll(new EveraiError('EVERAI_NOT_FOUND', `app '${route.app.name}' was deleted`));
    await Promise.all(route.slots.map((slot) => slot.close()));
  }

  appIds(): string[] {
    return [...this.routes.keys()];
  }

  /** A worker became ready: from now on it takes requests. */
  addWorker(app: AppRecord, worker: { id: string; revision: number; url: string; servicePorts: Record<string, number> }): void {
    const route = this.routes.get(app.id) ?? this.track(new AppRoute(app));
    if (route.slots.some((s) => s.id === worker.id)) return;
    route.addSlot(new WorkerSlot(worker.id, app.id, worker.revision, worker.url, app.concurrency, worker.servicePorts));
  }

  /**
   * REMOVE: the worker takes nothing new; resolves once every request it holds has ended, or once
   * `deadlineMs` passed: then what it still holds is cut (a stream the client reads breaks off, a
   * request not yet answered gets a 502), each counted failed, and `cut` says how many.
   */
  async drainWorker(appId: string, workerId: string, deadlineMs: number, stopped?: () => void): Promise<{ cut: number }> {
    const slot = this.routes.get(appId)?.slots.find((s) => s.id === workerId);
    // Marked draining at once: from here no new request reaches it.
    const idle = slot?.drain();
    stopped?.();
    if (!slot || !idle) return { cut: 0 };
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'deadline'>((resolve) => (timer = setTimeout(() => resolve('deadline'), deadlineMs)));
    try {
      if ((await Promise.race([idle, deadline])) !== 'deadline') return { cut: 0 };
    } finally {
      clearTimeout(timer);
    }
    const seconds = Math.round(deadlineMs / 1000);
    return { cut: slot.cut(new EveraiError('EVERAI_WORKER_FAILED', `the worker was stopped: it was still answering when its ${seconds} s to drain (maxDrainSeconds) ran out`)) };
  }

  async removeWorker(appId: string, workerId: string): Promise<void> {
    const slot = this.routes.get(appId)?.removeSlot(workerId);
    if (slot) await slot.close();
  }

  /**
   * A request a worker answered without this gateway holding a place on it (the data plane in front
   * sent it, or chose the worker for a relayed one), counted as the worker's own: its served counts
   * and its last answer, which keeps it from being taken for idle.
   */
  served(appId: string, workerId: string, ok: boolean, atMs: number): void {
    this.routes.get(appId)?.slots.find((s) => s.id === workerId)?.served(ok, atMs);
  }

  load(appId: string, workerId: string): SlotLoad | undefined {
    const route = this.routes.get(appId);
    const slot = route?.slots.find((s) => s.id === workerId);
    if (!route || !slot) return undefined;
    return {
      inflight: slot.inflight,
      concurrency: slot.concurrency,
      draining: slot.draining,
      sessions: route.sessionCount(slot.id),
      successCount: slot.successCount,
      failedCount: slot.failedCount,
      lastServeAt: slot.lastServeAt,
    };
  }

  queue(appId: string): QueuedRequestView[] {
    return this.routes.get(appId)?.queued() ?? [];
  }

  /** Each app's waiting requests by reason, every reason listed (0 too), for the queue gauge. */
  queueLengths(): { app: string; reason: QueueReason; length: number }[] {
    return [...this.routes.values()].flatMap((route) => {
      const reasons = route.queued().map((q) => q.reason);
      return QUEUE_REASONS.map((reason) => ({ app: appLabel(route.app), reason, length: reasons.filter((r) => r === reason).length }));
    });
  }

  /** Every app this gateway routes to, with its route name. */
  routedApps(): { id: string; routeName: string }[] {
    return [...this.routes.values()].map((route) => ({ id: route.app.id, routeName: route.app.routeName }));
  }

  /** The `NAMESPACE/NAME` of an app this gateway routes to (every app the controller synced). */
  appName(appId: string): string | undefined {
    const route = this.routes.get(appId);
    return route && appLabel(route.app);
  }

  private track(route: AppRoute): AppRoute {
    this.routes.set(route.app.id, route);
    const key = appLabel(route.app);
    this.byName.set(key, [...(this.byName.get(key) ?? []), route.app.id]);
    this.byRouteName.set(route.app.routeName, route.app.id);
    return route;
  }

  private unindexName(app: AppRecord): void {
    const key = appLabel(app);
    const rest = (this.byName.get(key) ?? []).filter((id) => id !== app.id);
    if (rest.length > 0) this.byName.set(key, rest);
    else this.byName.delete(key);
  }

  private findRoutes(pathname: string): { routes: AppRoute[]; path: string } {
    const target = parseRoutePath(pathname);
    const ids =
      target?.kind === 'namespaced'
        ? (this.byName.get(`${target.namespace}/${target.app}`) ?? [])
        : [target && this.byRouteName.get(target.routeName)];
    const routes = ids.flatMap((id) => (id === undefined ? [] : (this.routes.get(id) ?? [])));
    if (!target || routes.length === 0) throw new EveraiError('EVERAI_NOT_FOUND', 'no such app route');
    return { routes, path: target.path };
  }

  /**
   * `namespace/app` names one app per user, so several users' apps may share it: the caller's own
   * wins, else the one public app of that name; anything else is as if it did not exist.
   */
  private async pick(req: IncomingMessage, routes: AppRoute[]): Promise<AppRoute> {
    if (routes.length === 1) return routes[0] as AppRoute;
    const user = await this.deps.auth.identify(req);
    const own = user && routes.find((r) => r.app.ownerId === user.id);
    if (own) return own;
    const open = routes.filter((r) => r.app.routeAuth === 'public');
    if (open.length === 1) return open[0] as AppRoute;
    if (!user) await this.deps.auth.require(req);
    throw new EveraiError('EVERAI_NOT_FOUND', 'no such app route');
  }

  /**
   * Who called a public app, when the caller sent a platform token: the app then learns who called
   * (x-everai-user), as a private app does. Other credentials are the app's own business and cost
   * no token lookup.
   */
  private async publicCaller(req: IncomingMessage): Promise<UserRecord | undefined> {
    const authorization = req.headers.authorization;
    return authorization !== undefined && carriesPlatformToken(authorization) ? this.deps.auth.identify(req) : undefined;
  }

  /**
   * `target` is the request target as sent: path and query, not yet decoded. `note` learns the app
   * and the worker that answers, for the access log.
   */
  async handle(req: IncomingMessage, res: ServerResponse, target: string, note: AccessNote): Promise<void> {
    const queryAt = target.indexOf('?');
    const pathname = queryAt < 0 ? target : target.slice(0, queryAt);
    const search = queryAt < 0 ? '' : target.slice(queryAt);
    const { routes, path } = this.findRoutes(pathname);
    const route = await this.pick(req, routes);
    const app = route.app;
    noteApp(note, app);
    const user = app.routeAuth === 'public' ? await this.publicCaller(req) : await this.deps.auth.require(req);
    // Another user's app answers as if it did not exist.
    if (app.routeAuth !== 'public' && user?.id !== app.ownerId) throw new EveraiError('EVERAI_NOT_FOUND', 'no such app route');
    refusePaused(app);
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > this.deps.maxRequestBodyBytes) {
      throw new EveraiError('EVERAI_BODY_TOO_LARGE', `request body is over the limit of ${this.deps.maxRequestBodyBytes} bytes`);
    }
    return this.dispatch(req, res, route, user?.name, `${path}${search}`, note);
  }

  /**
   * A request HAProxy checked and rewrote (the caller in x-everai-user, the route prefix and a
   * platform token gone), sent here because no worker of its app was up: it waits in the app's
   * queue for the next one, as any request of an app at zero does. `target` is the worker's path.
   */
  async handleActivated(req: IncomingMessage, res: ServerResponse, appId: string, target: string, note: AccessNote): Promise<void> {
    const route = this.routes.get(appId);
    if (!route) throw new EveraiError('EVERAI_NOT_FOUND', 'no such app route');
    noteApp(note, route.app);
    refusePaused(route.app);
    const user = req.headers[USER_HEADER];
    return this.dispatch(req, res, route, typeof user === 'string' ? user : undefined, target, note, true);
  }

  /**
   * Forwards to a worker of `route`: through the relay when there is one that routes the app, else
   * straight to a worker. `sentBack`: the relay handed the request here (HAProxy's activator).
   */
  private async dispatch(req: IncomingMessage, res: ServerResponse, route: AppRoute, userName: string | undefined, path: string, note: AccessNote, sentBack = false): Promise<void> {
    const client = new Abort();
    res.once('close', () => {
      if (!res.writableFinished) client.abort(new Error('the client went away'));
    });
    const body = new ForwardedBody(req, this.deps.maxRequestBodyBytes);
    const forwarding: Forwarding = { req, res, route, path, headers: forwardRequestHeaders(req.headers, userName), body, note, client };
    const portHeader = req.headers[SERVICE_PORT_HEADER];
    const servicePort = Array.isArray(portHeader) ? portHeader[0] : portHeader;
    if (this.relay?.routes(route.app.id)) return this.throughRelay(forwarding, this.relay, sentBack, servicePort);
    return this.toWorker(forwarding, servicePort);
  }

  /** Straight to a worker, waiting in the app's queue for a place on one, and retrying on another when one fails before answering. */
  private async toWorker(forwarding: Forwarding, servicePort: string | undefined): Promise<void> {
    const { req, res, route, body, note, client } = forwarding;
    const method = req.method ?? 'GET';
    const app = route.app;
    const sessionHeader = req.headers['x-everai-session-id'];
    const sessionId = Array.isArray(sessionHeader) ? sessionHeader[0] : sessionHeader;
    const failedOn = new Set<string>();
    for (let attempt = 1; ; attempt++) {
      const slot = await this.waited(route, () => route.acquire(sessionId, this.queueTimeoutMs(app), client, failedOn));
      note.worker = slot.id;
      let ok = false;
      try {
        const pool = servicePort === undefined ? slot.pool : slot.poolFor(servicePort);
        if (!pool) {
          throw new EveraiError('EVERAI_NOT_FOUND', `app '${app.name}' declares no service port ${servicePort} (${SERVICE_PORT_HEADER} names one of spec.services)`);
        }
        // The exchange ends when the client goes, or when the worker's drain deadline cuts it.
        const exchange = new Abort();
        const unfollow = exchange.follow(client);
        slot.hold(exchange);
        try {
          ok = (await proxyToWorker(res, pool, { method, path: forwarding.path, headers: forwarding.headers, body }, exchange)).ok;
        } finally {
          unfollow();
          slot.letGo(exchange);
        }
        return;
      } catch (error) {
        if (error instanceof EveraiError) throw error;
        if (error instanceof CutOffError) return;
        // The worker failed before answering (it died, or refused the connection): try another,
        // or wait in the queue for one (its replacement) if it was the only one.
        failedOn.add(slot.id);
        if (!this.retries(method, body, error, attempt, client)) {
          throw new EveraiError('EVERAI_WORKER_FAILED', `the worker failed before answering: ${(error as Error).message}`, { cause: error });
        }
      } finally {
        route.release(slot, ok);
      }
    }
  }

  /**
   * Through the relay, which queues the request and picks its worker, counting it with the ones it
   * takes itself: the gateway holds it only while the app has no worker (at zero, a cold start).
   * A service port the relay cannot reach on each worker (they keep it at different places, or
   * some lack it: an upgrade that changes the app's ports) goes straight to a worker.
   */
  private async throughRelay(forwarding: Forwarding, relay: Relay, sentBack: boolean, servicePort: string | undefined): Promise<void> {
    const { req, res, route, body, note, client } = forwarding;
    const method = req.method ?? 'GET';
    // A request the relay sent here, or one it failed, goes back only once it says it has a worker
    // up: it may have none though the gateway has one (its check found the worker dead first), and
    // the request would go round between them.
    let confirm = sentBack;
    for (let attempt = 1; ; attempt++) {
      await this.untilRelayable(route, relay, confirm, client);
      const target = relay.target(route.app, forwarding.path, servicePort);
      if (!target) return this.toWorker(forwarding, servicePort);
      const onAnswer = (headers: Record<string, string | string[]>) => {
        target.answered();
        const worker = headers[relay.workerHeader];
        delete headers[relay.workerHeader];
        if (typeof worker === 'string') note.worker = worker;
      };
      try {
        const { ok } = await proxyToWorker(res, relay.pool(), { method, path: target.path, headers: { ...forwarding.headers, ...target.headers }, body }, client, onAnswer);
        if (note.worker !== undefined) this.served(route.app.id, note.worker, ok, Date.now());
        return;
      } catch (error) {
        if (error instanceof EveraiError) throw error;
        if (error instanceof CutOffError) return;
        // The relay failed before answering (HAProxy starting again): the request goes again once it
        // is back, if it is idempotent or nothing of it was sent.
        if (!this.retries(method, body, error, attempt, client)) {
          throw new EveraiError('EVERAI_WORKER_FAILED', `the data plane failed before answering: ${(error as Error).message}`, { cause: error });
        }
        confirm = true;
      } finally {
        target.answered();
      }
    }
  }

  /** Waits while the app has no worker taking requests and, when `confirm`, until the relay says it has one up: one wait in the queue metric. */
  private untilRelayable(route: AppRoute, relay: Relay, confirm: boolean, client: Abort): Promise<void> {
    const timeoutMs = this.queueTimeoutMs(route.app);
    return this.waited(route, async () => {
      const until = performance.now() + timeoutMs;
      for (;;) {
        await route.untilLive(timeoutMs, client);
        if (!confirm || (await relay.up(route.app.id))) return;
        if (performance.now() >= until) throw queueTimeout(route.app, timeoutMs);
        await sleep(RELAY_POLL_MS);
      }
    });
  }

  /** A wait in the app's queue, timed for the queue metric (a timeout too: it is the wait users feel most). */
  private async waited<T>(route: AppRoute, wait: () => Promise<T>): Promise<T> {
    const app = route.app;
    if (!route.slots.some((s) => !s.draining)) this.starvedListener?.(app.id);
    const queuedAt = performance.now();
    return wait().finally(() => this.deps.metrics.queueWaited(appLabel(app), (performance.now() - queuedAt) / 1000));
  }

  private queueTimeoutMs(app: AppRecord): number {
    return app.queueTimeoutMs ?? this.deps.queueTimeoutMs;
  }

  /**
   * Whether a try that failed before any answer goes again, a few times, while its client waits:
   * an idempotent request, or one of which nothing was sent.
   */
  private retries(method: string, body: ForwardedBody, error: unknown, attempt: number, client: Abort): boolean {
    return (RETRYABLE.has(method) || body.neverSent(error)) && attempt < MAX_ATTEMPTS && !client.aborted;
  }

  async close(): Promise<void> {
    for (const route of this.routes.values()) {
      route.rejectAll(new EveraiError('EVERAI_UNAVAILABLE', 'the server is shutting down'));
      await Promise.all(route.slots.map((slot) => slot.close()));
    }
    this.routes.clear();
    this.byName.clear();
    this.byRouteName.clear();
  }
}

/** The access log's line names the app and route a request was for. */
function noteApp(note: AccessNote, app: AppRecord): void {
  note.app = appLabel(app);
  note.route = app.routeName;
}

/** A paused app takes no requests, through either entry. */
function refusePaused(app: AppRecord): void {
  if (app.paused) throw new EveraiError('EVERAI_APP_PAUSED', `app '${app.name}' is paused: resume it with \`everai app resume ${app.name}\``);
}
