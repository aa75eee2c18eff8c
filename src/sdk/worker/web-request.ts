import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';

/** Node 20's fetch types lack `duplex`, which a request with a streamed body must set. */
type StreamingRequestInit = RequestInit & { duplex?: 'half' };

/**
 * The web-standard Request a handler gets: full URL with its query, every header as sent, and the
 * body as a stream over the socket, so a large upload is never held in memory.
 */
export function toWebRequest(req: IncomingMessage, signal: AbortSignal): Request {
  const headers = new Headers();
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    headers.append(req.rawHeaders[i] as string, req.rawHeaders[i + 1] as string);
  }
  const method = req.method ?? 'GET';
  const init: StreamingRequestInit = { method, headers, signal };
  if (method !== 'GET' && method !== 'HEAD') {
    init.body = Readable.toWeb(req) as ReadableStream<Uint8Array>;
    init.duplex = 'half';
  }
  return new Request(requestUrl(req), init);
}

function requestUrl(req: IncomingMessage): URL {
  const path = req.url ?? '/';
  try {
    return new URL(path, `http://${req.headers.host ?? 'localhost'}`);
  } catch {
    // A Host header that is no host must not fail the request; the path is what routes it.
    return new URL(path, 'http://localhost');
  }
}
