import type { IncomingMessage } from 'node:http';

/**
 * The origin the client reached this server at (`http://127.0.0.1:8480`), from its Host header
 * (RFC 9110 §7.2): what a URL the API hands back should start with for that client to use it.
 * The server speaks plain HTTP; behind a proxy that terminates TLS, the client knows better.
 */
export function requestOrigin(req: IncomingMessage): string {
  return `http://${req.headers.host ?? 'localhost'}`;
}
