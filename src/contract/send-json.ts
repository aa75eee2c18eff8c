import type { ServerResponse } from 'node:http';

/**
 * A JSON answer, as the server and the SDK's worker both send them. It lives in the contract
 * because the worker runs inside user images, which carry the SDK and contract only.
 */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(payload),
    ...headers,
  });
  res.end(payload);
}
