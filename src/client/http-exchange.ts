import type { IncomingMessage, RequestOptions } from 'node:http';

export interface Exchange {
  status: number;
  text: string;
}

/**
 * One request with a small body and its whole answer as text, over node:http(s). The CLI's JSON
 * calls take this path rather than the global `fetch`, whose first call loads Node's bundled undici:
 * about 40 ms of the 100-odd a short command such as `everai worker list` is worth. Streams (logs,
 * uploads) still use `fetch`. A failure to connect rejects with the system error (`code`: ECONNREFUSED...).
 */
export function exchange(url: string, method: string, headers: Record<string, string>, body?: string): Promise<Exchange> {
  const target = new URL(url);
  // https, and tls with it, only for an https endpoint.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const transport = (target.protocol === 'https:' ? require('node:https') : require('node:http')) as typeof import('node:http');
  const options: RequestOptions = { method, headers: body === undefined ? headers : { ...headers, 'content-length': Buffer.byteLength(body) } };
  return new Promise((resolve, reject) => {
    const req = transport.request(target, options, (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}
