import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import { appViewSchema, eventRecordSchema, queuedRequestViewSchema, revisionViewSchema, workerViewSchema } from '../../contract/api-view-schemas';
import { appRequestSchema, rollbackRequestSchema, updateRequestSchema, upgradeRequestSchema } from '../apps/app-request';
import { requestOrigin } from '../http/request-origin';
import type { AppRecord } from '../store/records';
import { isTerminal } from '../store/records';
import type { ApiDeps, ApiRouter } from './api';
import { booleanFlag, deletedSchema, wholeNumber } from './common-schemas';
import { appView, revisionView, workerView } from './views';

const APPS = '/api/apps/v1/namespaces/:ns/apps';
const DAY_MS = 24 * 3600_000;
const tag = 'apps';

const appsAnswer = z.object({ apps: z.array(appViewSchema) });
const appAnswer = z.object({ app: appViewSchema });

/** Apps and their workers, events and queue: `/api/apps/v1/...`. */
export function registerAppRoutes(router: ApiRouter, deps: ApiDeps): void {
  const { store, apps, gateway } = deps;

  const view = async (req: IncomingMessage, app: AppRecord) =>
    appView(app, await store.apps.revision(app.id, app.targetRevision), await store.workers.listByApp(app.id), requestOrigin(req));

  const list = async (req: IncomingMessage, ownerId: string, namespace?: string) => {
    const rows = await store.apps.list({ ownerId, ...(namespace ? { namespace } : {}) });
    return Promise.all(rows.map((app) => view(req, app)));
  };

  router.on(
    { method: 'GET', path: '/api/apps/v1/apps', tag, summary: "The caller's apps in every namespace", responses: { 200: appsAnswer } },
    async ({ user, req, reply }) => {
      reply(200, { apps: await list(req, user.id) });
    },
  );

  router.on(
    { method: 'GET', path: APPS, tag, summary: "The caller's apps in one namespace", responses: { 200: appsAnswer } },
    async ({ user, req, params: { ns = '' }, reply }) => {
      reply(200, { apps: await list(req, user.id, ns) });
    },
  );

  router.on(
    { method: 'POST', path: APPS, tag, summary: 'Create an app and roll out its first revision', body: appRequestSchema, responses: { 201: appAnswer } },
    async ({ user, req, params: { ns = '' }, body, reply }) => {
      reply(201, { app: await view(req, await apps.create(user, ns, await body())) });
    },
  );

  router.on(
    { method: 'GET', path: `${APPS}/:name`, tag, summary: 'One app', responses: { 200: appAnswer } },
    async ({ user, req, params: { ns = '', name = '' }, reply }) => {
      reply(200, { app: await view(req, await apps.find(user, ns, name)) });
    },
  );

  router.on(
    {
      method: 'PUT',
      path: `${APPS}/:name`,
      tag,
      summary: "Replace an app's definition, rolling out a new revision where what workers run changes",
      body: updateRequestSchema,
      responses: { 200: appAnswer },
    },
    async ({ user, req, params: { ns = '', name = '' }, body, reply }) => {
      const { force, ...request } = await body();
      reply(200, { app: await view(req, await apps.update(user, ns, name, request, force)) });
    },
  );

  router.on(
    { method: 'DELETE', path: `${APPS}/:name`, tag, summary: 'Delete an app and stop its workers', responses: { 200: deletedSchema } },
    async ({ user, params: { ns = '', name = '' }, reply }) => {
      await apps.delete(user, ns, name);
      reply(200, { deleted: name });
    },
  );

  // Custom methods in the reference API's style: POST .../apps/NAME:upgrade (and :rollback, :pause, :resume).
  router.on(
    {
      method: 'POST',
      path: `${APPS}/:name:upgrade`,
      tag,
      summary: 'Re-resolve the image, volume revisions or resources and roll out a new revision (docs/rollout.md)',
      body: upgradeRequestSchema,
      responses: { 200: appAnswer },
    },
    async ({ user, req, params: { ns = '', name = '' }, body, reply }) => {
      const { force, ...request } = await body();
      reply(200, { app: await view(req, await apps.upgrade(user, ns, name, request, force)) });
    },
  );

  router.on(
    {
      method: 'POST',
      path: `${APPS}/:name:rollback`,
      tag,
      summary: 'Roll back to an earlier revision (left out: the one before the current)',
      body: rollbackRequestSchema,
      responses: { 200: appAnswer },
    },
    async ({ user, req, params: { ns = '', name = '' }, body, reply }) => {
      const { to, force } = await body();
      reply(200, { app: await view(req, await apps.rollback(user, ns, name, to, force)) });
    },
  );

  for (const action of ['pause', 'resume'] as const) {
    const summary = action === 'pause' ? 'Pause an app: its workers stop and its route answers 503' : 'Resume a paused app';
    router.on(
      { method: 'POST', path: `${APPS}/:name:${action}`, tag, summary, responses: { 200: appAnswer } },
      async ({ user, req, params: { ns = '', name = '' }, reply }) => {
        reply(200, { app: await view(req, await apps.setPaused(user, ns, name, action === 'pause')) });
      },
    );
  }

  router.on(
    {
      method: 'GET',
      path: `${APPS}/:name/workers`,
      tag,
      summary: "An app's workers: those not terminated, or all the server still has",
      query: z.object({
        all: booleanFlag.describe('true: terminated workers too'),
        recentDays: wholeNumber.optional().describe('Only workers created in the last N days (0 or left out: any)'),
      }),
      responses: { 200: z.object({ workers: z.array(workerViewSchema) }) },
    },
    async ({ user, params: { ns = '', name = '' }, query, reply }) => {
      const app = await apps.find(user, ns, name);
      const since = query.recentDays ? Date.now() - query.recentDays * DAY_MS : 0;
      const resources = new Map((await store.apps.revisions(app.id)).map((r) => [r.revision, r.spec.resources]));
      const workers = (await store.workers.listByApp(app.id))
        .filter((w) => query.all || !isTerminal(w.status))
        .filter((w) => Date.parse(w.createdAt) >= since)
        .map((w) => workerView(w, gateway.load(app.id, w.id), resources.get(w.revision)));
      reply(200, { workers });
    },
  );

  router.on(
    {
      method: 'GET',
      path: `${APPS}/:name/revisions`,
      tag,
      summary: "An app's revisions, oldest first",
      responses: { 200: z.object({ revisions: z.array(revisionViewSchema) }) },
    },
    async ({ user, params: { ns = '', name = '' }, reply }) => {
      const { app, history } = await apps.revisions(user, ns, name);
      reply(200, { revisions: history.revisions.map((r) => revisionView(app, r, history)) });
    },
  );

  router.on(
    {
      method: 'GET',
      path: `${APPS}/:name/events`,
      tag,
      summary: "An app's events, newest first",
      query: z.object({ limit: wholeNumber.optional().describe('At most this many (default 100, at most 1000)') }),
      responses: { 200: z.object({ events: z.array(eventRecordSchema) }) },
    },
    async ({ user, params: { ns = '', name = '' }, query, reply }) => {
      const app = await apps.find(user, ns, name);
      reply(200, { events: await store.events.list(app.id, Math.min(query.limit || 100, 1000)) });
    },
  );

  router.on(
    {
      method: 'GET',
      path: `${APPS}/:name/queue`,
      tag,
      summary: "The requests waiting for one of an app's workers, and why",
      responses: { 200: z.object({ queue: z.array(queuedRequestViewSchema) }) },
    },
    async ({ user, params: { ns = '', name = '' }, reply }) => {
      const app = await apps.find(user, ns, name);
      reply(200, { queue: gateway.queue(app.id) });
    },
  );
}
