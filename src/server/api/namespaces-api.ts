import { z } from 'zod';
import { parseBody } from '../apps/app-request';
import { readJson } from '../http/body';
import { sendJson } from '../http/respond';
import type { Router } from '../http/router';
import type { NamespaceRecord } from '../store/records';
import type { ApiDeps } from './api';

const NAMESPACES = '/api/apps/v1/namespaces';
const createNamespaceSchema = z.strictObject({ name: z.string() });

function namespaceView(namespace: NamespaceRecord) {
  return { name: namespace.name, createdAt: namespace.createdAt };
}

/** The caller's namespaces: `/api/apps/v1/namespaces[/NAME]`. */
export function registerNamespaceRoutes(router: Router, deps: ApiDeps): void {
  const { auth, namespaces } = deps;

  router.on('GET', NAMESPACES, async (req, res) => {
    const user = await auth.require(req);
    sendJson(res, 200, { namespaces: (await namespaces.list(user)).map(namespaceView) });
  });

  router.on('POST', NAMESPACES, async (req, res) => {
    const user = await auth.require(req);
    const { name } = parseBody(createNamespaceSchema, await readJson(req));
    sendJson(res, 201, { namespace: namespaceView(await namespaces.create(user, name)) });
  });

  router.on('GET', `${NAMESPACES}/:name`, async (req, res, { name = '' }) => {
    const user = await auth.require(req);
    sendJson(res, 200, { namespace: namespaceView(await namespaces.get(user, name)) });
  });

  router.on('DELETE', `${NAMESPACES}/:name`, async (req, res, { name = '' }, url) => {
    const user = await auth.require(req);
    await namespaces.delete(user, name, url.searchParams.get('force') === 'true');
    sendJson(res, 200, { deleted: name });
  });
}
