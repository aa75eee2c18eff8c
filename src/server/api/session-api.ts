import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import type { WhoAmIView } from '../../contract/api-views';
import { EveraiError } from '../../contract/errors';
import { parseBody } from '../apps/app-request';
import { hashToken, type Authenticator } from '../auth';
import { CONSOLE_HEADER, SESSION_COOKIE, SESSION_TTL_MS } from '../console/console-sessions';
import { readJson } from '../http/body';
import { sendJson } from '../http/respond';
import type { Router } from '../http/router';
import type { Store } from '../store/store';

const signInSchema = z.strictObject({ token: z.string().min(1, 'is empty') });

/**
 * The server speaks plain HTTP; behind a proxy that terminates TLS (and says so in
 * X-Forwarded-Proto) the cookie is marked Secure, so the browser never sends it over plain HTTP.
 */
function sessionCookie(req: IncomingMessage, value: string, maxAgeSeconds: number): string {
  const secure = req.headers['x-forwarded-proto'] === 'https' ? '; Secure' : '';
  return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure}`;
}

/** A console request carries the console's header; a cross-site form or script cannot add it. */
function requireConsoleHeader(req: IncomingMessage): void {
  if (req.headers[CONSOLE_HEADER] === undefined) {
    throw new EveraiError('EVERAI_BAD_REQUEST', `the console's sign-in wants the ${CONSOLE_HEADER} header`);
  }
}

/**
 * The console's sign-in (docs/console.md): `POST /api/v1/session {"token"}` trades a token for an
 * HttpOnly session cookie, `DELETE` ends it. Every other route checks the cookie like a token.
 */
export function registerSessionRoutes(router: Router, deps: { store: Store; auth: Authenticator }): void {
  const { store, auth } = deps;

  router.on('POST', '/api/v1/session', async (req, res) => {
    requireConsoleHeader(req);
    const { token } = parseBody(signInSchema, await readJson(req));
    const tokenHash = hashToken(token);
    const user = await store.users.byTokenHash(tokenHash);
    if (!user) throw new EveraiError('EVERAI_UNAUTHENTICATED', 'the token is not valid');
    const id = auth.sessions.create(tokenHash);
    const me: WhoAmIView = { id: user.id, name: user.name, isAdmin: user.isAdmin };
    sendJson(res, 200, me, { 'set-cookie': sessionCookie(req, id, SESSION_TTL_MS / 1000) });
  });

  router.on('DELETE', '/api/v1/session', (req, res) => {
    requireConsoleHeader(req);
    auth.sessions.end(req);
    sendJson(res, 200, { signedOut: true }, { 'set-cookie': sessionCookie(req, '', 0) });
  });
}
