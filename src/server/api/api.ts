import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { whoAmIViewSchema } from '../../contract/api-view-schemas';
import { EveraiError } from '../../contract/errors';
import { VERSION } from '../../contract/version';
import type { AppService } from '../apps/app-service';
import type { Authenticator } from '../auth';
import type { DataPlane } from '../gateway/data-plane';
import { Router } from '../http/router';
import type { Store } from '../store/store';
import type { UserRecord } from '../store/records';
import { registerAppRoutes } from './apps-api';
import { registerWorkerRoutes } from './workers-api';
import { registerAppLogRoutes } from './app-logs-api';
import type { Runtime } from '../runtime/runtime';
import type { VolumeService } from '../volumes/volume-service';
import { registerVolumeRoutes } from './volumes-api';
import type { UserService } from '../users/user-service';
import type { NamespaceService } from '../namespaces/namespace-service';
import { registerUserRoutes } from './users-api';
import { registerNamespaceRoutes } from './namespaces-api';
import type { KeyValueService } from '../secrets/key-value-service';
import { registerKeyValueRoutes } from './key-values-api';
import type { WorkerScaling } from '../apps/worker-scaling';
import type { MachineResources } from '../resources/machine-resources';
import { registerScalingRoutes } from './scaling-api';
import type { PlatformMetrics } from '../metrics/metrics';
import type { MetricHistory } from '../metrics/metric-history';
import { registerAppMetricRoutes } from './app-metrics-api';
import { execRoute } from './exec-api';
import { OPENAPI_PATH, openApiDocument } from './openapi-document';

/** The API's router: its handlers get the caller as a user record. */
export type ApiRouter = Router<UserRecord>;

export interface ApiDeps {
  store: Store;
  auth: Authenticator;
  apps: AppService;
  gateway: DataPlane;
  runtime: Runtime;
  volumes: VolumeService;
  users: UserService;
  namespaces: NamespaceService;
  keyValues: KeyValueService;
  scaling: WorkerScaling;
  machine: MachineResources;
  metrics: PlatformMetrics;
  history: MetricHistory;
}

/**
 * The REST API under /api/: every route but /api/v1/version and /api/openapi.json needs a valid
 * token. The router's table describes each route; /api/openapi.json is generated from it.
 */
export function buildApi(deps: ApiDeps): (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void> {
  const router: ApiRouter = new Router((req) => deps.auth.require(req));
  const tag = 'platform';
  router.on(
    { method: 'GET', path: '/api/v1/version', tag, auth: false, summary: "The server's version", responses: { 200: z.object({ version: z.string() }) } },
    ({ reply }) => reply(200, { version: VERSION }),
  );
  router.on({ method: 'GET', path: '/api/v1/whoami', tag, summary: 'Who the token belongs to', responses: { 200: whoAmIViewSchema } }, async ({ user, reply }) => {
    reply(200, { id: user.id, name: user.name, isAdmin: user.isAdmin });
  });
  registerUserRoutes(router, deps);
  registerNamespaceRoutes(router, deps);
  registerAppRoutes(router, deps);
  registerAppLogRoutes(router, deps);
  registerWorkerRoutes(router, deps);
  router.on(execRoute, () => {
    // A request with Upgrade never reaches the router: the server's `upgrade` event takes it (exec-api.ts).
    throw new EveraiError('EVERAI_BAD_REQUEST', `worker exec needs Upgrade: ${execRoute.headers.shape.upgrade.value}`);
  });
  registerVolumeRoutes(router, deps);
  registerKeyValueRoutes(router, deps);
  registerScalingRoutes(router, deps);
  registerAppMetricRoutes(router, deps);

  let document: string | undefined;
  router.on(
    {
      method: 'GET',
      path: OPENAPI_PATH,
      tag,
      auth: false,
      summary: 'This document: the API in OpenAPI 3.1',
      responses: { 200: z.record(z.string(), z.unknown()).describe('An OpenAPI 3.1 document') },
    },
    ({ res }) => {
      // Made once: the table does not change while the server runs.
      document ??= JSON.stringify(openApiDocument(router.specs()));
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(document) });
      res.end(document);
    },
  );

  return async (req, res, url) => {
    const found = router.match(req.method ?? 'GET', url.pathname);
    if ('handler' in found) return found.handler(req, res, found.params, url);
    if (found.methodMismatch) throw new EveraiError('EVERAI_BAD_REQUEST', `${req.method} is not allowed on ${url.pathname}`);
    throw new EveraiError('EVERAI_NOT_FOUND', `no API route ${req.method} ${url.pathname}`);
  };
}
