import { z } from 'zod';
import { namespaceViewSchema } from '../../contract/api-view-schemas';
import type { NamespaceView } from '../../contract/api-views';
import type { NamespaceRecord } from '../store/records';
import type { ApiDeps, ApiRouter } from './api';
import { booleanFlag, deletedSchema } from './common-schemas';

const NAMESPACES = '/api/apps/v1/namespaces';
const tag = 'namespaces';
const namespaceAnswer = z.object({ namespace: namespaceViewSchema });

function namespaceView(namespace: NamespaceRecord): NamespaceView {
  return { name: namespace.name, createdAt: namespace.createdAt };
}

/** The caller's namespaces: `/api/apps/v1/namespaces[/NAME]`. */
export function registerNamespaceRoutes(router: ApiRouter, deps: ApiDeps): void {
  const { namespaces } = deps;

  router.on(
    { method: 'GET', path: NAMESPACES, tag, summary: "The caller's namespaces", responses: { 200: z.object({ namespaces: z.array(namespaceViewSchema) }) } },
    async ({ user, reply }) => {
      reply(200, { namespaces: (await namespaces.list(user)).map(namespaceView) });
    },
  );

  router.on(
    { method: 'POST', path: NAMESPACES, tag, summary: 'Create a namespace', body: z.strictObject({ name: z.string() }), responses: { 201: namespaceAnswer } },
    async ({ user, body, reply }) => {
      reply(201, { namespace: namespaceView(await namespaces.create(user, (await body()).name)) });
    },
  );

  router.on(
    { method: 'GET', path: `${NAMESPACES}/:name`, tag, summary: 'One namespace', responses: { 200: namespaceAnswer } },
    async ({ user, params: { name = '' }, reply }) => {
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
    async ({ user, params: { name = '' }, query, reply }) => {
      await namespaces.delete(user, name, query.force);
      reply(200, { deleted: name });
    },
  );
}
