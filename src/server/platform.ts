import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { EveraiError } from '../contract/errors';
import { ensureAdmin } from './admin';
import { buildApi } from './api/api';
import { AppService } from './apps/app-service';
import { BlobSweeper } from './blob-gc/blob-sweeper';
import { ImageReferences } from './blob-gc/image-references';
import { Authenticator } from './auth';
import { LocalBlobStore } from './blobs/local/local-blob-store';
import { Controller } from './controller/controller';
import { Gateway } from './gateway/node/gateway';
import { CLIENT_KEEP_ALIVE_MS, type DataPlane } from './gateway/data-plane';
import { chooseDataPlane } from './gateway/data-plane-choice';
import { HaproxyDataPlane } from './gateway/haproxy/haproxy-data-plane';
import { listen } from './listen';
import { sendError, sendJson } from './http/respond';
import type { PlatformOptions } from './platform-config';
import { Registry } from './registry/registry';
import { openRuntime } from './runtime/open-runtime';
import { openStore } from './store/open-store';
import { ControllerLeadership } from './controller/controller-leadership';
import { VolumeService } from './volumes/volume-service';
import { UserService } from './users/user-service';
import { NamespaceService } from './namespaces/namespace-service';
import { KeyValueService } from './secrets/key-value-service';
import { AutoscaleLoop } from './controller/autoscaler/autoscale-loop';
import { WorkerScaling } from './apps/worker-scaling';
import { probeMachine } from './resources/machine-resources';
import { handleExecUpgrade } from './api/exec-api';
import { EventRetention } from './events/event-retention';
import { WorkerRetention } from './retention/worker-retention';
import { UnpackedRetention } from './retention/unpacked-retention';
import { createLogger } from './logger';
import { logAccess } from './http/access-log';
import { PlatformMetrics } from './metrics/metrics';
import { addScrapeGauges } from './metrics/scrape-gauges';
import { METRICS_PATH, metricsEndpoint } from './metrics/metrics-endpoint';
import { MetricHistory } from './metrics/metric-history';
import { consoleAssets, isConsolePath } from './console/console-assets';

export interface RunningPlatform {
  url: string;
  /** Set on the first start only: the admin token just created. */
  createdAdminToken: string | undefined;
  /** Which runtime runs the workers, in words. */
  runtimeDescription: string;
  /** Which data plane forwards app requests, in words. */
  dataPlaneDescription: string;
  /** Stops serving and the controller; workers keep running unless `stopWorkers`. */
  close(options?: { stopWorkers?: boolean }): Promise<void>;
}

/** Answers 200 once the server is ready (for a supervisor or a load balancer), without a token. */
export const HEALTH_PATH = '/healthz';

function parseListen(listen: string): { host: string; port: number } {
  const at = listen.lastIndexOf(':');
  const host = at > 0 ? listen.slice(0, at).replace(/^\[|\]$/g, '') : '127.0.0.1';
  const port = Number(at >= 0 ? listen.slice(at + 1) : listen);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new EveraiError('EVERAI_USAGE', `--listen wants HOST:PORT, got '${listen}'`);
  }
  return { host, port };
}

/**
 * Wires the platform: its state store (SQLite in the data folder, or PostgreSQL), local blobs, workers in containers (or processes), and one HTTP port
 * for the API (`/api/...`), the gateway (`/api/routes/v1/...`, `/api/apps/v1/routes/...`), the
 * registry (`/v2/`), the metrics (`/metrics`) and the web console (`/`, `/console/...`).
 */
export async function startPlatform(options: PlatformOptions): Promise<RunningPlatform> {
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  const log = createLogger({ format: options.logFormat, level: options.logLevel });
  const { host, port } = parseListen(options.listen);
  // Before anything opens: HAProxy asked for and not installed is refused here.
  const dataPlane = await chooseDataPlane(options.dataPlane);
  const store = await openStore(options.storeUrl, options.dataDir);
  const blobs = new LocalBlobStore(join(options.dataDir, 'blobs'));
  await blobs.sweepTemp();
  const createdAdminToken = await ensureAdmin(store, options.dataDir, options.adminToken);
  const auth = new Authenticator(store);
  const registry = new Registry({ store, blobs, auth, uploadDir: join(options.dataDir, 'uploads'), log: log.child('registry') });
  const machine = await probeMachine();
  const { runtime, description: runtimeDescription } = await openRuntime(options.runtime, { dataDir: options.dataDir, blobs, gpus: machine.gpus });
  const metrics = new PlatformMetrics();
  const accessLog = log.child('access');
  const gateway = new Gateway({ auth, maxRequestBodyBytes: options.maxRequestBodyBytes, queueTimeoutMs: options.queueTimeoutMs, metrics });
  // With HAProxy the Node server listens on loopback behind it, and serves what HAProxy sends it.
  const haproxy =
    dataPlane.kind === 'haproxy'
      ? new HaproxyDataPlane(gateway, {
          dir: join(options.dataDir, 'haproxy'),
          maxRequestBodyBytes: options.maxRequestBodyBytes,
          queueTimeoutMs: options.queueTimeoutMs,
          binary: dataPlane.binary,
          users: () => store.users.list(),
          accessLog,
          onServed: (ended, queueSeconds) => {
            metrics.requestServed(ended);
            if (ended.note.app !== undefined) metrics.queueWaited(ended.note.app, queueSeconds);
          },
          log: log.child('haproxy'),
        })
      : undefined;
  const plane: DataPlane = haproxy ?? gateway;
  if (haproxy) auth.onTokensChanged(() => haproxy.tokensChanged());
  addScrapeGauges(metrics, {
    queueLengths: () => plane.queueLengths(),
    liveWorkers: () => store.workers.listLive(),
    appName: (appId) => plane.appName(appId),
  });
  const serveMetrics = metricsEndpoint({ auth, metrics, scrapeToken: options.metricsToken, counted: haproxy && (() => haproxy.servedCounted()) });
  const historyLog = log.child('metric-history');
  const history = new MetricHistory(
    {
      requestTotals: () => metrics.requestTotalsByRoute(),
      // The Node gateway knows every app (it is HAProxy's activator too); the plane, all that wait.
      apps: () => gateway.routedApps().map((app) => ({ ...app, queued: plane.queue(app.id).length })),
      liveWorkers: () => store.workers.listLive(),
    },
    (error) => historyLog.warn('sample failed', { error }),
  );
  const serveConsole = consoleAssets();
  const volumes = new VolumeService({ store, blobs });
  const images = new ImageReferences(store, blobs);
  const blobSweeper = new BlobSweeper({
    blobs,
    guard: volumes.blobGuard,
    references: [() => volumes.referencedBlobs(), () => images.digests()],
    log: log.child('blob-gc'),
  });
  const keyValues = await KeyValueService.open(store, join(options.dataDir, 'secret-keys'));
  const launch = { store, blobs, volumes, keyValues };
  const controller = new Controller({ ...launch, runtime, gateway: plane, metrics, log: log.child('controller') });
  // This server's own registry names, known once it listens: images there are not pulled from elsewhere.
  const ownHosts: string[] = [];
  const apps = new AppService({ store, blobs, controller, volumes, keyValues, machine, ownHosts });
  const users = new UserService({ store, auth, apps });
  const namespaces = new NamespaceService(store, apps);
  const autoscaler = new AutoscaleLoop({ store, gateway: plane, controller, keyValues, log: log.child('autoscaler') }, options.autoscaleIntervalMs);
  const inflight = (appId: string, workerId: string) => plane.load(appId, workerId)?.inflight ?? 0;
  const scaling = new WorkerScaling({ store, apps, controller, inflight });
  const api = buildApi({ store, auth, apps, gateway: plane, runtime, volumes, keyValues, users, namespaces, scaling, machine, metrics, history });
  const eventRetention = new EventRetention(store, options.eventRetentionMs, log.child('events'));
  const workerRetention = new WorkerRetention(store, join(options.dataDir, 'workers'), options.workerRetentionMs, log.child('workers'));
  const unpackedRetention = new UnpackedRetention(runtime, options.unpackedRetentionMs, log.child('unpacked'));

  // Ready once the controller has taken back what runs: until then routes may not know their workers.
  let ready = false;
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const target = req.url ?? '/';
    if (target === HEALTH_PATH) return sendJson(res, ready ? 200 : 503, { status: ready ? 'ready' : 'starting' });
    // The gateway is the hot path: it takes the raw target, without a URL object per request.
    // What it serves is the apps' traffic, logged at info; the platform's own API and registry at debug.
    const activated = haproxy?.takeActivated(req);
    if (activated !== undefined) return gateway.handleActivated(req, res, activated, target, logAccess(req, res, accessLog, 'info', (ended) => metrics.requestServed(ended)));
    if (gateway.owns(target)) return gateway.handle(req, res, target, logAccess(req, res, accessLog, 'info', (ended) => metrics.requestServed(ended)));
    logAccess(req, res, accessLog, 'debug');
    const url = new URL(target, 'http://everai');
    if (url.pathname === METRICS_PATH) return serveMetrics(req, res);
    if (url.pathname === '/v2' || url.pathname.startsWith('/v2/')) return registry.handle(req, res, url);
    if (isConsolePath(url.pathname)) return serveConsole(req, res, url);
    return api(req, res, url);
  };
  const apiLog = log.child('api');
  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => sendError(req, res, error, apiLog));
  });
  const execLog = log.child('exec');
  server.on('upgrade', (req, socket, head) => handleExecUpgrade({ auth, runtime, launch, log: execLog }, req, socket, head));
  server.keepAliveTimeout = CLIENT_KEEP_ALIVE_MS;
  // The port first: a busy one ends the start before any worker, loop or timer begins. With
  // HAProxy, the Node server takes a loopback port (and an upload socket), and HAProxy the public one.
  const started = haproxy ? listen(server, 0, '127.0.0.1').then(() => haproxy.start(server, { host, port })) : listen(server, port, host);
  await started.catch(async (error: unknown) => {
    server.close();
    await store.close();
    throw error;
  });
  // Set by close(): whether the controller, stopping, stops its workers too.
  let stopWorkers = false;
  const leadership = new ControllerLeadership(
    store.controllerLease(),
    {
      start: async () => {
        await controller.start();
        autoscaler.start();
      },
      stop: async () => {
        await autoscaler.stop();
        await controller.stop({ stopWorkers });
      },
    },
    log.child('lease'),
  );
  await leadership.start();
  blobSweeper.start();
  eventRetention.start();
  workerRetention.start();
  unpackedRetention.start();
  history.start();
  ready = true;
  const address = haproxy ? haproxy.address : (server.address() as AddressInfo);
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  ownHosts.push(`${shownHost}:${address.port}`, `localhost:${address.port}`, `127.0.0.1:${address.port}`, `[::1]:${address.port}`);
  return {
    url: `http://${shownHost}:${address.port}`,
    createdAdminToken,
    runtimeDescription,
    dataPlaneDescription: dataPlane.description,
    close: async (closeOptions = {}) => {
      stopWorkers = closeOptions.stopWorkers ?? false;
      unpackedRetention.stop();
      await history.stop();
      await leadership.stop();
      await blobSweeper.stop();
      eventRetention.stop();
      workerRetention.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await plane.close();
      await store.close();
    },
  };
}
