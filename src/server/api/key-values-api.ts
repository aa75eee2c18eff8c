import { z } from 'zod';
import { parseBody } from '../apps/app-request';
import type { Authenticator } from '../auth';
import { readJson } from '../http/body';
import { sendJson } from '../http/respond';
import type { Router } from '../http/router';
import type { KeyValueKind } from '../secrets/key-value-source';
import type { KeyValueService } from '../secrets/key-value-service';
import { KEY_VALUE_APIS, SECRET_KEYS_API } from '../../contract/key-value-view';

/** Items are checked by the service, which names the key at fault. */
const createSchema = z.object({ name: z.string(), data: z.unknown() });
const updateSchema = z.object({ data: z.unknown(), merge: z.boolean().optional() });

/**
 * Secrets and configmaps (docs/secrets.md) at `/api/v1/secrets` and `/api/v1/configmaps`, a secret's values
 * in base64. Each user sees only their own: another's answers 404 like a missing one.
 */
export function registerKeyValueRoutes(router: Router, deps: { auth: Authenticator; keyValues: KeyValueService }): void {
  const { auth, keyValues } = deps;
  for (const kind of Object.keys(KEY_VALUE_APIS) as KeyValueKind[]) {
    const base = KEY_VALUE_APIS[kind];
    const one = `${base}/:name`;

    router.on('POST', base, async (req, res) => {
      const user = await auth.require(req);
      const { name, data } = parseBody(createSchema, await readJson(req));
      sendJson(res, 201, { object: await keyValues.create(user, kind, name, data) });
    });

    router.on('GET', base, async (req, res) => {
      sendJson(res, 200, { objects: await keyValues.list(await auth.require(req), kind) });
    });

    router.on('GET', one, async (req, res, { name = '' }, url) => {
      const user = await auth.require(req);
      sendJson(res, 200, { object: await keyValues.get(user, kind, name, url.searchParams.get('values') === 'true') });
    });

    router.on('PUT', one, async (req, res, { name = '' }) => {
      const user = await auth.require(req);
      const { data, merge = false } = parseBody(updateSchema, await readJson(req));
      sendJson(res, 200, await keyValues.update(user, kind, name, data, merge));
    });

    router.on('DELETE', one, async (req, res, { name = '' }) => {
      await keyValues.delete(await auth.require(req), kind, name);
      sendJson(res, 200, { deleted: name });
    });
  }

  router.on('POST', SECRET_KEYS_API, async (req, res) => {
    sendJson(res, 201, await keyValues.rotateKey(await auth.require(req)));
  });
}
