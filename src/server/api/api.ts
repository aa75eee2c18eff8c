import type { IncomingMessage, ServerResponse } from 'node:http';
import type { WhoAmIView } from '../../contract/api-views';
import { EveraiError } from '../../contract/errors';
import { VERSION } from '../../contract/version';
import type { AppService } from '../apps/app-service';
import type { Authenticator } from '../auth';
import type { DataPlane } from '../gateway/data-plane';
import { sendJson } from '../http/respond';
import { Router } from '../http/router';
import type { Store } from '../store/store';
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
}

/** The REST API under /api/: every route but /api/v1/version needs a valid token. */
export function buildApi(deps: ApiDeps): (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void> {
  const router = new Router();
  router.on('GET', '/api/v1/version', (_req, res) => sendJson(res, 200, { version: VERSION }));
  router.on('GET', '/api/v1/whoami', async (req, res) => {
    const user = await deps.auth.require(req);
    const me: WhoAmIView = { id: user.id, name: user.name, isAdmin: user.isAdmin };
    sendJson(res, 200, me);
  });
  registerUserRoutes(router, deps);
  registerNamespaceRoutes(router, deps);
  registerAppRoutes(router, deps);
  registerAppLogRoutes(router, deps);
  registerWorkerRoutes(router, deps);
  registerVolumeRoutes(router, deps);
  registerKeyValueRoutes(router, deps);
  registerScalingRoutes(router, deps);

  return async (req, res, url) => {
    const found = router.match(req.method ?? 'GET', url.pathname);
    if ('handler' in found) return found.handler(req, res, found.params, url);
    if (found.methodMismatch) throw new EveraiError('EVERAI_BAD_REQUEST', `${req.method} is not allowed on ${url.pathname}`);
    throw new EveraiError('EVERAI_NOT_FOUND', `no API route ${req.method} ${url.pathname}`);
  };
}
