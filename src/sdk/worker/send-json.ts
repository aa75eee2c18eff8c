import type { ServerResponse } from 'node:http';

/**
 * A JSON answer from the worker. The SDK's own (not the server's `http/respond`): the worker runs
 * inside user images, which carry the SDK and contract only (`test/import-direction.test.ts`).
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
