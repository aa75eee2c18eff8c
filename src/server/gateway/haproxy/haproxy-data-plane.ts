import { randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { join } from 'node:path';
import type { QueueReason } from '../../../contract/api-views';
import { Pool } from 'undici';
import type { DataPlane, ReadyWorker, SlotLoad } from '../data-plane';
import type { Relay } from '../relay';
import type { Gateway } from '../node/gateway';
import type { EndedRequest } from '../../http/access-log';
import { listen } from '../../listen';
import type { Logger } from '../../logger';
import { AccessLineReader, ACTIVATOR_SERVER, readServedLines, type HaproxyServed } from './haproxy-access';
import { appLabel } from '../../metrics/metrics';
import type { AppRecord, UserRecord } from '../../store/records';
import { ACTIVATED_APP_HEADER, ACTIVATOR_HEADER, backendName, DISPATCH_PORT_HEADER, DISPATCHED_WORKER_HEADER, dispatchPortFor, renderHaproxyConfig, serverArgs, serverName, type HaproxyFiles, type HaproxyServer } from './haproxy-config';
import { mapFileText, routeEntries, tokenEntries } from './haproxy-maps';
import { HaproxyProcess } from './haproxy-process';
import { countSessions, parseShowStat, serversInService, type HaproxyLoad } from './haproxy-stats';
import { RelayedRequests } from './relayed-requests';
import { runtimeCommand } from './runtime-socket';
import { listenForUploads } from './upload-listener';

export interface HaproxyDataPlaneOptions {
  /** Where the config, the maps, the pid file and the runtime socket live. */
  dir: string;
  maxRequestBodyBytes: number;
  queueTimeoutMs: number;
  binary: string;
  /** Every user, for the tokens map. */
  users(): Promise<UserRecord[]>;
  /** Where the access lines of the requests HAProxy serves alone go, made from its ring lines. */
  accessLog: Logger;
  /** Hears of each request HAProxy served alone once it is over, and how long it queued (the request metrics). */
  onServed(request: EndedRequest, queueSeconds: number): void;
  log: Logger;
}

/** How often the data plane's queue and load are read from HAProxy's stats while it has app requests. */
const STATS_INTERVAL_MS = 250;
/**
 * How often while it has none: four reads a second were over half of an idle server's CPU (1.3% of
 * a CPU of 2.3%, one app). The first request after a lull is seen at the next read, within a second.
 */
const IDLE_STATS_INTERVAL_MS = 1000;
const DRAIN_POLL_MS = 50;
/** `show table` commands sent in one runtime API connection, at most: about 40 bytes each, in HAProxy's 16 KiB command line (with `show stat`). */
const TABLES_A_CONNECTION = 100;
/**
 * Connections the kernel holds for HAProxy to accept: HAProxy listens on the socket as it gets it,
 * and Node's default (511) is a burst's worth of clients; this is what HAProxy's own bind took
 * (its maxconn), capped by the kernel's somaxconn.
 */
const PUBLIC_BACKLOG = 4096;

interface AppEntry {
  app: AppRecord;
  /** appLabel(app), made once: HAProxy's every request names it. */
  label: string;
  servers: Map<string, HaproxyServer>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * HAProxy in front, the Node gateway behind it as the activator. Every change the controller makes
 * goes to both: the Node gateway keeps serving what HAProxy sends it (an app at zero or paused, a
 * caller HAProxy cannot vouch for, a service port), and HAProxy learns each worker through its
 * runtime API (`add server`, `set server ... state maint`, `del server`) and each route and token
 * through its maps (replaced whole, atomically: `prepare map`, `add map`, `commit map`).
 * Load and queue are the sum of both: the Node gateway's own counts, and HAProxy's stats.
 */
export class HaproxyDataPlane implements DataPlane {
  private readonly apps = new Map<string, AppEntry>();
  private users: UserRecord[] = [];
  private readonly files: HaproxyFiles;
  private readonly configPath: string;
  private readonly process: HaproxyProcess;
  /** Runtime API changes, one at a time and in order: a route is published only after its server exists. */
  private chain: Promise<void> = Promise.resolve();
  private pendingReload: Promise<void> | undefined;
  private stats = new Map<string, HaproxyLoad>();
  /** Backend → server → sessions pinned to it in HAProxy's stick table. */
  private sessions = new Map<string, Map<string, number>>();
  private statsTimer: NodeJS.Timeout | undefined;
  /** Whether HAProxy ended an app's request since its stats were last read. */
  private servedSinceStats = false;
  /** Each map file's content as last swapped into HAProxy through its runtime API. */
  private readonly liveMaps = new Map<string, string>();
  private closed = false;
  private readonly accessLines: AccessLineReader;
  /** New at each server start: only HAProxy's activator frontend knows it (the config is mode 0600 in a 0700 folder). */
  private readonly activatorSecret = Buffer.from(randomBytes(24).toString('hex'));
  private readonly relay: Relay;
  /** Keep-alive connections to the dispatch frontend of the HAProxy worker running now. */
  private relayPool: Pool;
  /** The apps whose backends the config last written has, and the one HAProxy runs. */
  private writtenApps: ReadonlySet<string> = new Set();
  private loadedApps: ReadonlySet<string> = new Set();
  private readonly relayed = new RelayedRequests();
  /** Servers of workers addWorker has, kept from HAProxy until the requests they wait for left the queue: each one's wait. */
  private readonly heldBack = new Map<HaproxyServer, Promise<void>>();

  constructor(
    private readonly gateway: Gateway,
    private readonly options: HaproxyDataPlaneOptions,
  ) {
    mkdirSync(options.dir, { recursive: true, mode: 0o700 });
    this.files = {
      socket: join(options.dir, 'haproxy.sock'),
      activatorSocket: join(options.dir, 'activator.sock'),
      dispatchSocket: join(options.dir, 'dispatch.sock'),
      uploadSocket: join(options.dir, 'upload.sock'),
      routesMap: join(options.dir, 'routes.map'),
      tokensMap: join(options.dir, 'tokens.map'),
    };
    this.configPath = join(options.dir, 'haproxy.cfg');
    this.accessLines = new AccessLineReader(this.files.socket, (text) => readServedLines(text, (served) => this.served(served)));
    this.process = new HaproxyProcess({
      binary: options.binary,
      configPath: this.configPath,
      pidFile: join(options.dir, 'haproxy.pid'),
      socket: this.files.socket,
      masterSocket: join(options.dir, 'master.sock'),
      bindPublic: () => this.bindPublic(),
      writeConfig: () => this.writeFiles(),
      onStarted: async () => {
        this.loadedApps = this.writtenApps;
        this.accessLines.follow();
        // The workers a reload replaced keep each idle connection for one more request, which they
        // would route by the servers they knew: a worker drained or removed since among them.
        // With no routes they send it to the Node server, which sends it on through this one;
        // and the Node server's own connections to them are let go.
        this.renewRelayPool();
        await this.process.onOldWorkers(`clear map ${this.files.routesMap}`);
      },
      log: options.log,
    });
    this.relayPool = relayPoolTo(this.files.dispatchSocket);
    // Through the dispatch frontend the Node gateway forwards what it sends a worker: HAProxy alone
    // then counts each worker's places. The target keeps a route prefix (the app's own route form)
    // that the app's backend strips, as from any request HAProxy routes.
    this.relay = {
      pool: () => this.relayPool,
      target: (app, workerPath, servicePort) => {
        const port = servicePort === undefined ? this.publicAddress.port : dispatchPortFor(this.apps.get(app.id)?.servers.values() ?? [], servicePort, this.publicAddress.port);
        if (port === undefined) return undefined;
        return {
          path: `/api/apps/v1/routes/${encodeURIComponent(app.routeName)}${workerPath}`,
          headers: { [ACTIVATED_APP_HEADER]: app.id, [DISPATCH_PORT_HEADER]: String(port) },
          // The main port is the public one on every server: only a service port's may go stale.
          answered: servicePort === undefined ? () => {} : this.relayed.sent(app.id, servicePort, port),
        };
      },
      workerHeader: DISPATCHED_WORKER_HEADER,
      routes: (appId) => this.loadedApps.has(appId),
      up: (appId) => this.hasWorkerUp(appId),
    };
    gateway.relayThrough(this.relay);
  }

  /**
   * The public address bound for an HAProxy start, HAProxy's to take (it cannot bind port 0 and say
   * which port it got). A first start on port 0 takes a free port, which each later start (a
   * respawn after a crash) binds again.
   */
  private async bindPublic(): Promise<Server> {
    const socket = createServer();
    await listen(socket, this.publicAddress.port, this.publicAddress.host, PUBLIC_BACKLOG);
    this.publicAddress.port = (socket.address() as AddressInfo).port;
    return socket;
  }

  /** Connections to the dispatch frontend from now on go to the worker running now; the pool before closes once its requests are over. */
  private renewRelayPool(): void {
    const before = this.relayPool;
    this.relayPool = relayPoolTo(this.files.dispatchSocket);
    void before.close();
  }

  /** Whether HAProxy has a server of the app in service now, as its runtime API says. */
  private async hasWorkerUp(appId: string): Promise<boolean> {
    const state = await runtimeCommand(this.files.socket, `show servers state ${backendName(appId)}`, 1000).catch(() => '');
    return serversInService(state).some((name) => name !== ACTIVATOR_SERVER);
  }

  /** Where the Node server listens, on loopback: HAProxy sends it what it does not serve alone. */
  private nodePort = 0;
  /** The public address HAProxy listens on: port 0 until the first start has bound one. */
  private publicAddress = { host: '127.0.0.1', port: 0 };

  /**
   * Starts HAProxy on the public address (port 0: a free one) in front of the Node server `node`,
   * which listens on loopback already, and from now on on the upload socket too.
   */
  async start(node: Server, publicAddress: { host: string; port: number }): Promise<void> {
    this.nodePort = (node.address() as AddressInfo).port;
    await listenForUploads(node, this.files.uploadSocket);
    this.publicAddress = { ...publicAddress };
    this.users = await this.options.users();
    await this.process.start();
    this.readStatsIn(STATS_INTERVAL_MS);
  }

  /** Reads the stats after `ms`, then again at the pace the app requests HAProxy had ask for. */
  private readStatsIn(ms: number): void {
    this.statsTimer = setTimeout(() => {
      void this.readStats().then(() => {
        if (!this.closed) this.readStatsIn(this.hadAppRequests() ? STATS_INTERVAL_MS : IDLE_STATS_INTERVAL_MS);
      });
    }, ms);
    this.statsTimer.unref();
  }

  /** Whether HAProxy holds or queues an app's request, as the stats just read say, or ended one since the read before. */
  private hadAppRequests(): boolean {
    const ended = this.servedSinceStats;
    this.servedSinceStats = false;
    return ended || [...this.stats].some(([name, load]) => name.startsWith(backendName('')) && (load.scur > 0 || load.qcur > 0));
  }

  /** The same access line and metrics as for a request the Node gateway serves (`logAccess`), and the worker counts it as served. */
  private served({ backend, worker, method, path, status, queueMs, durationMs, bytes, endedAt, aborted }: HaproxyServed): void {
    const appId = backend.slice(backendName('').length);
    this.servedSinceStats = true;
    const app = this.apps.get(appId);
    const note = app ? { app: app.label, route: app.app.routeName, worker } : { worker };
    this.gateway.served(appId, worker, status < 500, endedAt);
    this.options.accessLog.access('info', endedAt, { method, path, status, app: note.app, route: note.route, worker, durationMs, bytes, aborted });
    this.options.onServed({ method, status, note, seconds: durationMs / 1000 }, queueMs / 1000);
  }

  /**
   * The app a request is for when it came through the activator frontend (an app's backup server:
   * HAProxy checked it and had no worker for it), its proof taken off; undefined for any other.
   */
  takeActivated(req: IncomingMessage): string | undefined {
    const proof = req.headers[ACTIVATOR_HEADER];
    const appId = req.headers[ACTIVATED_APP_HEADER];
    if (typeof proof !== 'string' || typeof appId !== 'string') return undefined;
    const given = Buffer.from(proof);
    if (given.length !== this.activatorSecret.length || !timingSafeEqual(given, this.activatorSecret)) return undefined;
    delete req.headers[ACTIVATOR_HEADER];
    delete req.headers[ACTIVATED_APP_HEADER];
    return appId;
  }

  /** Resolves once the requests HAProxy has served so far are counted (before the metrics are read). */
  servedCounted(): Promise<void> {
    return this.accessLines.caughtUp();
  }

  /** The public address HAProxy listens on. */
  get address(): { address: string; port: number; family: string } {
    const { host, port } = this.publicAddress;
    return { address: host, port, family: host.includes(':') ? 'IPv6' : 'IPv4' };
  }

  /** The pid of HAProxy's master process. */
  get pid(): number | undefined {
    return this.process.pid;
  }

  /** A user or token changed: the tokens map is rebuilt from the store before this resolves. */
  async tokensChanged(): Promise<void> {
    const users = await this.options.users();
    this.users = users;
    await this.enqueue(() => this.replaceMap(this.files.tokensMap, tokenEntries(users)));
  }

  onStarved(listener: (appId: string) => void): void {
    this.gateway.onStarved(listener);
  }

  async syncApp(app: AppRecord): Promise<void> {
    await this.gateway.syncApp(app);
    const known = this.apps.get(app.id);
    this.apps.set(app.id, { app, label: appLabel(app), servers: known?.servers ?? new Map<string, HaproxyServer>() });
    const changes: Promise<void>[] = [];
    // A new backend, or its queue timeout, is only in a new config.
    if (!known || known.app.queueTimeoutMs !== app.queueTimeoutMs) changes.push(this.reload());
    else if (known.app.concurrency !== app.concurrency) {
      for (const server of known.servers.values()) changes.push(this.command(`set maxconn server ${backendName(app.id)}/${serverName(server.id)} ${app.concurrency}`));
    }
    changes.push(this.publishRoutes());
    await Promise.all(changes);
  }

  async removeApp(appId: string): Promise<void> {
    this.apps.delete(appId);
    await this.publishRoutes();
    await this.gateway.removeApp(appId);
    await this.reload();
  }

  appIds(): string[] {
    return [...new Set([...this.apps.keys(), ...this.gateway.appIds()])];
  }

  /**
   * The Node gateway hears of the worker once HAProxy has its server: the requests the gateway held
   * for it go through HAProxy's dispatch frontend, and would find none.
   */
  addWorker(app: AppRecord, worker: ReadyWorker): void {
    const entry = this.apps.get(app.id) ?? { app, label: appLabel(app), servers: new Map<string, HaproxyServer>() };
    this.apps.set(app.id, entry);
    if (entry.servers.has(worker.id)) return;
    // A URL leaves out port 80 (a container's main port may be 80).
    const { hostname, port } = new URL(worker.url);
    const server: HaproxyServer = { id: worker.id, host: hostname, port: port === '' ? 80 : Number(port), servicePorts: worker.servicePorts, draining: false, inMaintenance: false };
    entry.servers.set(worker.id, server);
    // Service-port requests sent for other distances than this worker keeps may wait in the
    // backend's queue: given this server, they would reach other ports of it than the one they
    // name (refused, or another service's). It joins once they have left the queue; meanwhile
    // dispatchPortFor counts it, so service ports go straight to a worker.
    const queued = this.relayed.untilNoneQueuedFor(app.id, server, this.publicAddress.port, app.queueTimeoutMs ?? this.options.queueTimeoutMs);
    if (!queued) return this.addServer(app, server, worker);
    const joining = queued.then(() => {
      this.heldBack.delete(server);
      if (this.apps.get(app.id)?.servers.get(worker.id) === server && !server.draining && !this.closed) this.addServer(app, server, worker);
    });
    this.heldBack.set(server, joining);
  }

  /** HAProxy takes the server, then the gateway hears of its worker. */
  private addServer(app: AppRecord, server: HaproxyServer, worker: ReadyWorker): void {
    const name = `${backendName(app.id)}/${serverName(worker.id)}`;
    const concurrency = this.apps.get(app.id)?.app.concurrency ?? app.concurrency;
    // Enabled at weight 0, weighed 1 as a config's server is, then given its queued requests by
    // `set maxconn`. HAProxy 2.6, enabling a server of weight 1, hands it requests from the
    // backend's queue that count against its maxconn only once they run, and a request arriving
    // meanwhile takes the same place: under a queue, a worker of concurrency 1 held 2 at each add
    // (HAProxy's own `smax` said 2 too). At weight 0 it takes none then, nor does a new weight
    // give it any: a burst already queued would wait for the old workers alone. `set maxconn`
    // dequeues for it as a finished request does, counting each at once.
    void this.command(`add server ${name} ${serverArgs(server, concurrency, this.publicAddress.port)} weight 0`);
    void this.command(`enable server ${name}`);
    void this.command(`enable health ${name}`);
    void this.command(`set weight ${name} 1`);
    void this.command(`set maxconn server ${name} ${concurrency}`);
    void this.enqueue(async () => {
      // Drained or removed while it waited: the gateway must not take it for a live worker.
      if (this.apps.get(app.id)?.servers.get(worker.id) === server && !server.draining) this.gateway.addWorker(app, worker);
    });
    void this.publishRoutes();
  }

  async drainWorker(appId: string, workerId: string, deadlineMs: number, stopped?: () => void): Promise<{ cut: number }> {
    const servers = this.apps.get(appId)?.servers;
    const server = servers?.get(workerId);
    if (!servers || !server || this.heldBack.has(server)) {
      // HAProxy has no server of the worker: a held-back one will not join it now.
      if (server) server.draining = true;
      return this.gateway.drainWorker(appId, workerId, deadlineMs, stopped);
    }
    // This worker may be one that serves the requests a held-back server waits for: it takes
    // requests till that server joins, or the app could be left with none that HAProxy picks.
    await Promise.all([...servers.values()].flatMap((other) => this.heldBack.get(other) ?? []));
    server.draining = true;
    const name = `${backendName(appId)}/${serverName(workerId)}`;
    await this.publishRoutes();
    // The gateway first: while it takes the worker for a live one and HAProxy does not, the
    // requests HAProxy sends it would wait for HAProxy to have one up.
    const node = this.gateway.drainWorker(appId, workerId, deadlineMs);
    // In maintenance it takes nothing new, a session pinned to it included; what it holds goes on.
    await this.command(`set server ${name} state maint`);
    server.inMaintenance = true;
    stopped?.();
    const [drained, proxied] = await Promise.all([node, this.untilIdle(name, deadlineMs)]);
    if (proxied > 0) await this.command(`shutdown sessions server ${name}`);
    return { cut: drained.cut + proxied };
  }

  /** Resolves with 0 once HAProxy holds no request on the server, or with how many it still held at the deadline. */
  private async untilIdle(name: string, deadlineMs: number): Promise<number> {
    const until = Date.now() + deadlineMs;
    for (;;) {
      const held = (await this.freshStats()).get(name)?.scur ?? 0;
      if (held === 0 || Date.now() >= until || this.closed) return held;
      await sleep(DRAIN_POLL_MS);
    }
  }

  async removeWorker(appId: string, workerId: string): Promise<void> {
    const entry = this.apps.get(appId);
    if (entry?.servers.delete(workerId)) {
      const name = `${backendName(appId)}/${serverName(workerId)}`;
      await this.publishRoutes();
      await this.command(`set server ${name} state maint`);
      await this.command(`del server ${name}`);
    }
    await this.gateway.removeWorker(appId, workerId);
  }

  load(appId: string, workerId: string): SlotLoad | undefined {
    const load = this.gateway.load(appId, workerId);
    const backend = backendName(appId);
    const server = serverName(workerId);
    const proxied = this.stats.get(`${backend}/${server}`)?.scur ?? 0;
    const pinned = this.sessions.get(backend)?.get(server) ?? 0;
    return load && { ...load, inflight: load.inflight + proxied, sessions: load.sessions + pinned };
  }

  queue(appId: string): { index: number; createdAt: string; reason: QueueReason }[] {
    const own = this.gateway.queue(appId);
    const entry = this.apps.get(appId);
    if (!entry) return own;
    // HAProxy's stats count its waiters, without their arrival: they are listed as of the last read.
    const at = new Date().toISOString();
    const waiting: QueueReason[] = [];
    const backend = backendName(appId);
    for (let i = 0; i < (this.stats.get(`${backend}/BACKEND`)?.qcur ?? 0); i++) waiting.push('WorkerBusy');
    for (const server of entry.servers.values()) {
      // A request on a server's own queue is a session's, waiting for its worker.
      for (let i = 0; i < (this.stats.get(`${backend}/${serverName(server.id)}`)?.qcur ?? 0); i++) waiting.push('QueueDueSession');
    }
    return [...own, ...waiting.map((reason, i) => ({ index: own.length + i, createdAt: at, reason }))];
  }

  queueLengths(): { app: string; reason: QueueReason; length: number }[] {
    const own = this.gateway.queueLengths();
    for (const { app } of this.apps.values()) {
      for (const waiting of this.queue(app.id).slice(this.gateway.queue(app.id).length)) {
        const line = own.find((l) => l.app === appLabel(app) && l.reason === waiting.reason);
        if (line) line.length++;
      }
    }
    return own;
  }

  appName(appId: string): string | undefined {
    return this.gateway.appName(appId);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.statsTimer);
    await this.chain;
    this.accessLines.close();
    await this.relayPool.close();
    await this.process.stop();
    await this.gateway.close();
  }

  /** Whether HAProxy may send the app's requests straight to a worker: it has one taking requests. */
  private routable = (appId: string): boolean => [...(this.apps.get(appId)?.servers.values() ?? [])].some((s) => !s.draining && !this.heldBack.has(s));

  /**
   * Loads a config written from the state now. Reloads asked for while one waits to run are that
   * one: it writes the config when it runs, so a server that starts with fifty apps reloads once.
   */
  private reload(): Promise<void> {
    this.pendingReload ??= this.enqueue(() => {
      this.pendingReload = undefined;
      return this.process.reload();
    });
    return this.pendingReload;
  }

  private publishRoutes(): Promise<void> {
    return this.enqueue(() => this.replaceMap(this.files.routesMap, routeEntries(this.appRecords(), this.routable)));
  }

  private appRecords(): AppRecord[] {
    return [...this.apps.values()].map((e) => e.app);
  }

  /** The files a start or a reload reads: the config and both maps, from the state now. */
  private writeFiles(): void {
    const { options, files } = this;
    const config = renderHaproxyConfig({
      nodePort: this.nodePort,
      publicPort: this.publicAddress.port,
      maxRequestBodyBytes: options.maxRequestBodyBytes,
      activatorSecret: this.activatorSecret.toString(),
      files,
      backends: [...this.apps.values()].map(({ app, servers }) => ({
        appId: app.id,
        appName: app.name,
        concurrency: app.concurrency,
        queueTimeoutMs: app.queueTimeoutMs ?? options.queueTimeoutMs,
        servers: [...servers.values()].filter((s) => !this.heldBack.has(s)),
      })),
    });
    writeAtomically(this.configPath, config);
    this.writtenApps = new Set(this.apps.keys());
    // An HAProxy (re)started on these files may not be the one the last swaps went to.
    this.liveMaps.clear();
    writeAtomically(files.routesMap, mapFileText(routeEntries(this.appRecords(), this.routable)));
    writeAtomically(files.tokensMap, mapFileText(tokenEntries(this.users)));
  }

  /**
   * Swaps a map's whole content at once, and keeps its file in step for the next start. The same
   * content as the last swap changes nothing: the controller syncs every app on each of its passes,
   * and a swap is a file written and three runtime API connections.
   */
  private async replaceMap(path: string, entries: ReadonlyMap<string, string>): Promise<void> {
    const text = mapFileText(entries);
    if (this.liveMaps.get(path) === text) return;
    writeAtomically(path, text);
    const version = /(\d+)/.exec(await this.runtime(`prepare map ${path}`))?.[1];
    if (version === undefined) return;
    const added = text === '' ? '' : await this.runtime(`add map @${version} ${path} <<\n${text}\n`);
    const committed = await this.runtime(`commit map @${version} ${path}`);
    if (!refused(added) && !refused(committed)) this.liveMaps.set(path, text);
  }

  private command(command: string): Promise<void> {
    return this.enqueue(async () => {
      await this.runtime(command);
    });
  }

  private enqueue(step: () => Promise<void>): Promise<void> {
    const run = this.chain.then(step).catch((error: unknown) => this.options.log.warn('haproxy runtime change failed', { error }));
    this.chain = run;
    return run;
  }

  /** One runtime API command, its answer; one that says it failed (`refused`) is logged. */
  private async runtime(command: string): Promise<string> {
    if (this.closed) return '';
    const answer = await runtimeCommand(this.files.socket, command).catch((error: unknown) => {
      this.options.log.warn('haproxy runtime API unreachable', { command: command.split('\n')[0], error });
      return '';
    });
    if (refused(answer)) {
      this.options.log.debug('haproxy runtime API said', { command: command.split('\n')[0], answer: answer.trim() });
    }
    return answer;
  }

  private async freshStats(): Promise<Map<string, HaproxyLoad>> {
    await this.readStats();
    return this.stats;
  }

  private async readStats(): Promise<void> {
    if (this.closed || this.apps.size === 0) return;
    // The stats and the first hundred apps' tables in one connection (a hundred commands fit
    // HAProxy's command line), not a connection for each. The stats' CSV ends at its first empty line.
    const tableCommands = [...this.apps.keys()].map((appId) => `show table ${backendName(appId)}`);
    const answer = await runtimeCommand(this.files.socket, ['show stat', ...tableCommands.slice(0, TABLES_A_CONNECTION)].join(';'), 1000).catch(() => '');
    const statsEnd = answer.indexOf('\n\n');
    if (statsEnd > 0) this.stats = parseShowStat(answer.slice(0, statsEnd));
    let tables = answer.slice(statsEnd + 1);
    for (let i = TABLES_A_CONNECTION; i < tableCommands.length; i += TABLES_A_CONNECTION) {
      tables += await runtimeCommand(this.files.socket, tableCommands.slice(i, i + TABLES_A_CONNECTION).join(';'), 1000).catch(() => '');
    }
    this.sessions = countSessions(tables);
  }
}

/**
 * Whether a runtime API answer says the command failed: HAProxy answers errors in words. One that
 * says the change is already there (a server a reload's config brought, one a restart dropped) is
 * the state wanted.
 */
function refused(answer: string): boolean {
  return /error|unknown|no such|not found|cannot|can't|failed/i.test(answer) && !/already exists/i.test(answer);
}

/** Keep-alive connections to HAProxy's dispatch frontend. */
function relayPoolTo(dispatchSocket: string): Pool {
  return new Pool('http://localhost', { socketPath: dispatchSocket, pipelining: 1, keepAliveTimeout: 30_000 });
}

function writeAtomically(path: string, text: string): void {
  writeFileSync(`${path}.tmp`, text, { mode: 0o600 });
  renameSync(`${path}.tmp`, path);
}
