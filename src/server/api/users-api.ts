import { z } from 'zod';
import { parseBody } from '../apps/app-request';
import { readJson } from '../http/body';
import { sendJson } from '../http/respond';
import type { Router } from '../http/router';
import type { UserRecord } from '../store/records';
import type { ApiDeps } from './api';

const createUserSchema = z.strictObject({ name: z.string() });

/** A user as the API shows it: never the token hash. */
function userView(user: UserRecord) {
  return { id: user.id, name: user.name, isAdmin: user.isAdmin, createdAt: user.createdAt };
}

/** Users (admin only) and the caller's own token: `/api/v1/users`, `/api/v1/token:rotate`. */
export function registerUserRoutes(router: Router, deps: ApiDeps): void {
  const { auth, users } = deps;

  router.on('GET', '/api/v1/users', async (req, res) => {
    const caller = await auth.require(req);
    sendJson(res, 200, { users: (await users.list(caller)).map(userView) });
  });

  router.on('POST', '/api/v1/users', async (req, res) => {
    const caller = await auth.require(req);
    const { name } = parseBody(createUserSchema, await readJson(req));
    const { user, token } = await users.create(caller, name);
    sendJson(res, 201, { user: userView(user), token });
  });

  router.on('DELETE', '/api/v1/users/:name', async (req, res, { name = '' }) => {
    const caller = await auth.require(req);
    await users.delete(caller, name);
    sendJson(res, 200, { deleted: name });
  });

  router.on('POST', '/api/v1/token:rotate', async (req, res) => {
    const caller = await auth.require(req);
    sendJson(res, 200, { token: await users.rotateToken(caller) });
  });
}
