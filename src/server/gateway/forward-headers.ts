import type { IncomingHttpHeaders } from 'node:http';
import { TOKEN_PREFIX } from '../../contract/ids';

/** Hop-by-hop headers (RFC 9110 §7.6.1) end at the gateway; the rest pass intact. */
export const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
]);

/**
 * Who the gateway authenticated, as the worker sees it. Only the gateway sets it: a client's own
 * is never forwarded, so an app may trust it.
 */
export const USER_HEADER = 'x-everai-user';

/** Sends a request to another of a manifest app's declared ports than its main one (docs/manifest.md, "Ports"). */
export const SERVICE_PORT_HEADER = 'x-everai-port';

const BEARER_TOKEN = new RegExp(`^bearer\\s+${TOKEN_PREFIX}`, 'i');
const BASIC = /^basic\s+/i;

/**
 * Whether an Authorization value carries a platform token: as a bearer, or as Basic auth's
 * password (the gateway accepts that form too, as registry clients send it). Such a value must
 * never reach an app, or a public app could collect its callers' tokens.
 */
export function carriesPlatformToken(authorization: string): boolean {
  if (BEARER_TOKEN.test(authorization)) return true;
  const basic = BASIC.exec(authorization);
  if (!basic) return false;
  const decoded = Buffer.from(authorization.slice(basic[0].length), 'base64').toString('utf8');
  return decoded.startsWith(TOKEN_PREFIX, decoded.indexOf(':') + 1);
}

/**
 * The headers a worker gets: the client's, less hop-by-hop ones and any platform token, with
 * `x-everai-user` naming the caller the gateway authenticated (`user`), and absent when it
 * authenticated nobody. Built once per request, in one pass over the client's headers.
 */
export function forwardRequestHeaders(headers: IncomingHttpHeaders, user: string | undefined): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  // for..in rather than Object.entries: no array of pairs per request on the hot path.
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined || HOP_BY_HOP.has(name) || name === USER_HEADER) continue;
    if (name === 'authorization' && carriesPlatformToken(value as string)) continue;
    out[name] = value;
  }
  if (user !== undefined) out[USER_HEADER] = user;
  return out;
}

/** The headers of a worker's answer the client gets: all but hop-by-hop ones. */
export function forwardResponseHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const name in headers) {
    const value = headers[name];
    if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
  }
  return out;
}
