import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** The console's session cookie: an opaque id, HttpOnly, never the token. */
export const SESSION_COOKIE = 'everai_session';
/**
 * A cookie counts only on a request that carries this header too. A browser sends no custom
 * header cross-site without a CORS preflight this server never grants, so another site cannot
 * make a signed-in browser call the API (CSRF); the console's own fetches always set it.
 */
export const CONSOLE_HEADER = 'x-everai-console';

/** How long a console sign-in lasts, from the moment it was made. */
export const SESSION_TTL_MS = 12 * 3600_000;
const MAX_SESSIONS = 10_000;

/** The value of one cookie in a Cookie header, or undefined. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * Console sign-ins, in the server's memory: session id → the hash of the token signed in with. The
 * user is looked up by that hash on every request, so a rotated token or a deleted user ends its
 * sessions at once. A restarted server forgets them all: the console asks for the token again.
 */
export class ConsoleSessions {
  private readonly sessions = new Map<string, { tokenHash: string; until: number }>();

  create(tokenHash: string): string {
    this.dropExpired();
    if (this.sessions.size >= MAX_SESSIONS) {
      // The oldest sign-in goes first: Maps keep insertion order.
      const oldest = this.sessions.keys().next().value;
      if (oldest !== undefined) this.sessions.delete(oldest);
    }
    const id = randomBytes(32).toString('base64url');
    this.sessions.set(id, { tokenHash, until: Date.now() + SESSION_TTL_MS });
    return id;
  }

  /** The token hash of the request's session, when it has a live one and the console's header. */
  tokenHashOf(req: IncomingMessage): string | undefined {
    if (req.headers[CONSOLE_HEADER] === undefined) return undefined;
    const id = cookieValue(req.headers.cookie, SESSION_COOKIE);
    const session = id === undefined ? undefined : this.sessions.get(id);
    if (!session) return undefined;
    if (session.until <= Date.now()) {
      this.sessions.delete(id as string);
      return undefined;
    }
    return session.tokenHash;
  }

  end(req: IncomingMessage): void {
    const id = cookieValue(req.headers.cookie, SESSION_COOKIE);
    if (id !== undefined) this.sessions.delete(id);
  }

  private dropExpired(): void {
    const now = Date.now();
    for (const [id, session] of this.sessions) if (session.until <= now) this.sessions.delete(id);
  }
}
