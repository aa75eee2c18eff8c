import type { IncomingMessage } from 'node:http';
import { EveraiError } from '../../contract/errors';
import { appRequestSchema, parseBody, rollbackRequestSchema, updateRequestSchema, upgradeRequestSchema } from '../apps/app-request';
import { readJson } from '../http/body';
import { requestOrigin } from '../http/request-origin';
import { sendJson } from '../http/respond';
import type { Router } from '../http/router';
import type { AppRecord } from '../store/records';
import { isTerminal } from '../store/records';
import type { ApiDeps } from './api';
import { appView, revisionView, workerView } from './views';

const APPS = '/api/apps/v1/namespaces/:ns/apps';
const DAY_MS = 24 * 3600_000;

/** Apps and their workers, events and queue: `/api/apps/v1/...`. */
export function registerAppRoutes(router: Router, deps: ApiDeps): void {
  const { store, auth, apps, gateway } = deps;

  const view = async (req: IncomingMessage, app: AppRecord) =>
    appView(app, await store.apps.revision(app.id, app.targetRevision), await store.workers.listByApp(app.id), requestOrigin(req));

  const list = async (req: IncomingMessage, ownerId: string, namespace?: string) => {
    const rows = await store.apps.list({ ownerId, ...(namespace ? { namespace } : {}) });
    return Promise.all(rows.map((app) => view(req, app)));
  };

  router.on('GET', '/api/apps/v1/apps', async (req, res) => {
    const user = await auth.require(req);
    sendJson(res, 200, { apps: await list(req, user.id) });
  });

  router.on('GET', APPS, async (req, res, { ns = '' }) => {
    const user = await auth.require(req);
    sendJson(res, 200, { apps: await list(req, user.id, ns) });
  });

  router.on('POST', APPS, async (req, res, { ns = '' }) => {
    const user = await auth.require(req);
    const request = parseBody(appRequestSchema, await readJson(req));
    sendJson(res, 201, { app: await view(req, await apps.create(user, ns, request)) });
  });

  router.on('GET', `${APPS}/:name`, async (req, res, { ns = '', name = '' }) => {
    const user = await auth.require(req);
    sendJson(res, 200, { app: await view(req, await apps.find(user, ns, name)) });
  });

  router.on('PUT', `${APPS}/:name`, async (req, res, { ns = '', name = '' }) => {
    const user = await auth.require(req);
    const { force, ...request } = parseBody(updateRequestSchema, await readJson(req));
    sendJson(res, 200, { app: await view(req, await apps.update(user, ns, name, request, force)) });
  });

  router.on('DELETE', `${APPS}/:name`, async (req, res, { ns = '', name = '' }) => {
    const user = await auth.require(req);
    await apps.delete(user, ns, name);
    sendJson(res, 200, { deleted: name });
  });

  // Custom methods in the reference API's style: POST .../apps/NAME:upgrade (and :pause, :resume).
  router.on('POST', `${APPS}/:target`, async (req, res, { ns = '', target = '' }) => {
    const user = await auth.require(req);
    const [name = '', action] = target.split(':');
    const body = await readJson(req);
    let app: AppRecord;
    if (action === 'upgrade') {
      const { force, ...request } = parseBody(upgradeRequestSchema, body);
      app = await apps.upgrade(user, ns, name, request, force);
    } else if (action === 'rollback') {
      const { to, force } = parseBody(rollbackRequestSchema, body);
      app = await apps.rollback(user, ns, name, to, force);
    } else if (action === 'pause' || action === 'resume') {
      app = await apps.setPaused(user, ns, name, action === 'pause');
    } else {
      throw new EveraiError('EVERAI_NOT_FOUND', `no app action '${action ?? ''}': use :upgrade, :rollback, :pause or :resume`);
    }
    sendJson(res, 200, { app: await view(req, app) });
  });

  router.on('GET', `${APPS}/:name/workers`, async (req, res, { ns = '', name = '' }, url) => {
    const user = await auth.require(req);
    const app = await apps.find(user, ns, name);
    const all = url.searchParams.get('all') === 'true';
    const days = Number(url.searchParams.get('recentDays') ?? 0);
    const since = days > 0 ? Date.now() - days * DAY_MS : 0;
    const resources = new Map((await store.apps.revisions(app.id)).map((r) => [r.revision, r.spec.resources]));
    const workers = (await store.workers.listByApp(app.id))
      .filter((w) => all || !isTerminal(w.status))
      .filter((w) => Date.parse(w.createdAt) >= since)
      .map((w) => workerView(w, gateway.load(app.id, w.id), resources.get(w.revision)));
    sendJson(res, 200, { workers });
  });

  router.on('GET', `${APPS}/:name/revisions`, async (req, res, { ns = '', name = '' }) => {
    const user = await auth.require(req);
    const { app, history } = await apps.revisions(user, ns, name);
    sendJson(res, 200, { revisions: history.revisions.map((r) => revisionView(app, r, history)) });
  });

  router.on('GET', `${APPS}/:name/events`, async (req, res, { ns = '', name = '' }, url) => {
    const user = await auth.require(req);
    const app = await apps.find(user, ns, name);
    const limit = Math.min(Number(url.searchParams.get('limit') ?? 100) || 100, 1000);
    sendJson(res, 200, { events: await store.events.list(app.id, limit) });
  });

  router.on('GET', `${APPS}/:name/queue`, async (req, res, { ns = '', name = '' }) => {
    const user = await auth.require(req);
    const app = await apps.find(user, ns, name);
    sendJson(res, 200, { queue: gateway.queue(app.id) });
  });
}
