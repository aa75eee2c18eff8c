import { z } from 'zod';
import { namespaceViewSchema } from '../../contract/api-view-schemas';
import type { NamespaceView } from '../../contract/api-views';
import type { Router } from '../http/router';
import type { NamespaceRecord } from '../store/records';
import type { ApiDeps } from './api';
import { booleanFlag, deletedSchema } from './common-schemas';

const NAMESPACES = '/api/apps/v1/namespaces';
const tag = 'namespaces';
const namespaceAnswer = z.object({ namespace: namespaceViewSchema });

function namespaceView(namespace: NamespaceRecord): NamespaceView {
  return { name: namespace.name, createdAt: namespace.createdAt };
}

/** The caller's namespaces: `/api/apps/v1/namespaces[/NAME]`. */
export function registerNamespaceRoutes(router: Router, deps: ApiDeps): void {
  const { auth, namespaces } = deps;

  router.on(
    { method: 'GET', path: NAMESPACES, tag, summary: "The caller's namespaces", responses: { 200: z.object({ namespaces: z.array(namespaceViewSchema) }) } },
    async ({ req, reply }) => {
      const user = await auth.require(req);
      reply(200, { namespaces: (await namespaces.list(user)).map(namespaceView) });
    },
  );

  router.on(
    { method: 'POST', path: NAMESPACES, tag, summary: 'Create a namespace', body: z.strictObject({ name: z.string() }), responses: { 201: namespaceAnswer } },
    async ({ req, body, reply }) => {
      const user = await auth.require(req);
      reply(201, { namespace: namespaceView(await namespaces.create(user, (await body()).name)) });
    },
  );

  router.on(
    { method: 'GET', path: `${NAMESPACES}/:name`, tag, summary: 'One namespace', responses: { 200: namespaceAnswer } },
    async ({ req, params: { name = '' }, reply }) => {
      const user = await auth.require(req);
      reply(200, { namespace: namespaceView(await namespaces.get(user, name)) });
    },
  );

  router.on(
    {
      method: 'DELETE',
      path: `${NAMESPACES}/:name`,
      tag,
      summary: 'Delete a namespace',
      query: z.object({ force: booleanFlag.describe('true: delete its apps too (otherwise a namespace with apps is refused)') }),
      responses: { 200: deletedSchema },
    },
    async ({ req, params: { name = '' }, query, reply }) => {
      const user = await auth.require(req);
      await namespaces.delete(user, name, query.force);
      reply(200, { deleted: name });
    },
  );
}
