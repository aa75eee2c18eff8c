import type { ClientRequest, IncomingHttpHeaders, IncomingMessage, RequestOptions } from 'node:http';

export interface Exchange {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

/** node:https, and tls with it, only for an https endpoint. */
function transportFor(target: URL): typeof import('node:http') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (target.protocol === 'https:' ? require('node:https') : require('node:http')) as typeof import('node:http');
}

/** A header of an answer, once (node:http gives a repeated one as a list only for a few names). */
export function headerValue(res: Exchange, name: string): string | undefined {
  const value = res.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Writes a request's body and ends it; a rejection aborts the request with that error. */
export type BodyWriter = (req: ClientRequest) => Promise<void>;

/**
 * One request with a small body and its whole answer as text, over node:http(s). The CLI's calls
 * take this path (or openStream's) rather than the global `fetch`, whose first call loads Node's
 * bundled undici and compiles its WebAssembly HTTP parser: one GET in `node -e` took 0.39 s with
 * fetch against 0.13 s with node:http on a 2-CPU VM. A failure to connect rejects with the system
 * error (`code`: ECONNREFUSED...).
 */
export function exchange(url: string, method: string, headers: Record<string, string>, body?: string | Uint8Array): Promise<Exchange> {
  const withLength = body === undefined ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) };
  return streamExchange(url, method, withLength, async (req) => void req.end(body));
}

/**
 * A request whose body `write` streams (headers must give its length), and its whole answer as
 * text. A large upload goes this way: node:http calls back once each piece left for the socket,
 * so the writer can reuse its buffers, where undici's and fetch's streamed bodies never say.
 */
export function streamExchange(url: string, method: string, headers: Record<string, string>, write: BodyWriter): Promise<Exchange> {
  const target = new URL(url);
  const options: RequestOptions = { method, headers };
  return new Promise((resolve, reject) => {
    const req = transportFor(target).request(target, options, (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    write(req).catch((error: Error) => {
      reject(error);
      req.destroy(error);
    });
  });
}

/**
 * A GET whose answer is read as it comes (a log being followed): the answer once its head is in,
 * its body an async iterable of chunks that ends when the server ends it.
 */
export function openStream(url: string, headers: Record<string, string>): Promise<IncomingMessage> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = transportFor(target).request(target, { method: 'GET', headers }, resolve);
    req.on('error', reject);
    req.end();
  });
}
