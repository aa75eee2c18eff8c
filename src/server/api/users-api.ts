import { z } from 'zod';
import { userViewSchema } from '../../contract/api-view-schemas';
import type { UserView } from '../../contract/api-views';
import type { UserRecord } from '../store/records';
import type { ApiDeps, ApiRouter } from './api';
import { deletedSchema } from './common-schemas';

const tag = 'users';
const tokenSchema = z.string().describe('The token, shown this once: the server keeps only its hash.');

/** A user as the API shows it: never the token hash. */
function userView(user: UserRecord): UserView {
  return { id: user.id, name: user.name, isAdmin: user.isAdmin, createdAt: user.createdAt };
}

/** Users (admin only) and the caller's own token: `/api/v1/users`, `/api/v1/token:rotate`. */
export function registerUserRoutes(router: ApiRouter, deps: ApiDeps): void {
  const { users } = deps;

  router.on(
    { method: 'GET', path: '/api/v1/users', tag, summary: 'Every user (admin only)', responses: { 200: z.object({ users: z.array(userViewSchema) }) } },
    async ({ user: caller, reply }) => {
      reply(200, { users: (await users.list(caller)).map(userView) });
    },
  );

  router.on(
    {
      method: 'POST',
      path: '/api/v1/users',
      tag,
      summary: 'Create a user and its token (admin only)',
      body: z.strictObject({ name: z.string() }),
      responses: { 201: z.object({ user: userViewSchema, token: tokenSchema }) },
    },
    async ({ user: caller, body, reply }) => {
      const { user, token } = await users.create(caller, (await body()).name);
      reply(201, { user: userView(user), token });
    },
  );

  router.on(
    {
      method: 'DELETE',
      path: '/api/v1/users/:name',
      tag,
      summary: 'Delete a user with their apps, volumes, secrets and configmaps (admin only)',
      responses: { 200: deletedSchema },
    },
    async ({ user: caller, params: { name = '' }, reply }) => {
      await users.delete(caller, name);
      reply(200, { deleted: name });
    },
  );

  router.on(
    {
      method: 'POST',
      path: '/api/v1/token:rotate',
      tag,
      summary: "Replace the caller's token: the old one stops working",
      responses: { 200: z.object({ token: tokenSchema }) },
    },
    async ({ user: caller, reply }) => {
      reply(200, { token: await users.rotateToken(caller) });
    },
  );
}
