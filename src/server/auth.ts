import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { EveraiError } from '../contract/errors';
import type { UserRecord } from './store/records';
import type { Store } from './store/store';

/** Tokens carry about 128 random bits, so a plain sha256 is a sound one-way hash for them at rest. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/**
 * The caller's token from `Authorization: Bearer <token>`, or from Basic auth's password (what
 * registry clients such as skopeo send: any user name, the token as password).
 */
export function tokenFromRequest(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  if (!header) return undefined;
  const [scheme, value = ''] = header.split(' ', 2);
  if (scheme?.toLowerCase() === 'bearer') return value.trim();
  if (scheme?.toLowerCase() === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon >= 0 ? decoded.slice(colon + 1) : undefined;
  }
  return undefined;
}

/** How long a checked token is trusted without asking the store again (the gateway's hot path). */
const TOKEN_CACHE_MS = 5_000;
const TOKEN_CACHE_MAX = 10_000;

export class Authenticator {
  private readonly cache = new Map<string, { user: UserRecord; until: number }>();

  constructor(private readonly store: Store) {}

  /** The user behind the request's token, or undefined when it has none or a wrong one. */
  async identify(req: IncomingMessage): Promise<UserRecord | undefined> {
    const token = tokenFromRequest(req);
    if (!token) return undefined;
    const cached = this.cache.get(token);
    if (cached && cached.until > Date.now()) return cached.user;
    const user = await this.store.users.byTokenHash(hashToken(token));
    if (user) {
      if (this.cache.size >= TOKEN_CACHE_MAX) this.cache.clear();
      this.cache.set(token, { user, until: Date.now() + TOKEN_CACHE_MS });
    }
    return user;
  }

  private tokensListener: (() => Promise<void>) | undefined;

  /** Hears of every change to users and tokens (the HAProxy data plane keeps a map of them). */
  onTokensChanged(listener: () => Promise<void>): void {
    this.tokensListener = listener;
  }

  /**
   * Whoever creates, changes or deletes a user or token calls this, so the change holds at once:
   * in this cache, and (once it resolves) wherever else tokens are checked.
   */
  async forgetAll(): Promise<void> {
    this.cache.clear();
    await this.tokensListener?.();
  }

  async require(req: IncomingMessage): Promise<UserRecord> {
    const user = await this.identify(req);
    if (!user) {
      const message = req.headers.authorization
        ? 'the token is not valid'
        : 'missing token: send Authorization: Bearer <token>';
      throw new EveraiError('EVERAI_UNAUTHENTICATED', message);
    }
    return user;
  }
}
