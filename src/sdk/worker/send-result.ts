import type { ServerResponse } from 'node:http';

/** SSE (https://html.spec.whatwg.org/multipage/server-sent-events.html) unless the app says else. */
const STREAM_HEADERS = { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' };

/**
 * Writes what a handler returned (see RouteResult) to the client. Streams are written chunk by
 * chunk as they are produced and never gathered, so an SSE event reaches the client at once.
 * Rejects if the stream fails midway; the caller then cuts the response.
 */
export async function sendResult(result: unknown, res: ServerResponse): Promise<void> {
  if (result instanceof Response) return sendResponse(result, res);
  if (result === undefined || result === null) {
    res.writeHead(204).end();
  } else if (typeof result === 'string') {
    sendBytes(res, 'text/plain; charset=utf-8', Buffer.from(result));
  } else if (result instanceof Uint8Array) {
    sendBytes(res, 'application/octet-stream', result);
  } else if (isStream(result)) {
    res.writeHead(200, STREAM_HEADERS);
    await writeChunks(result, res);
  } else {
    sendBytes(res, 'application/json; charset=utf-8', Buffer.from(JSON.stringify(result)));
  }
}

function sendBytes(res: ServerResponse, contentType: string, body: Uint8Array): void {
  res.writeHead(200, { 'content-type': contentType, 'content-length': body.byteLength }).end(body);
}

/** An async iterable, or a generator; an array is data, sent as JSON. */
function isStream(value: unknown): value is AsyncIterable<unknown> | Iterable<unknown> {
  if (typeof value !== 'object' || value === null) return false;
  if (Symbol.asyncIterator in value) return true;
  return Object.prototype.toString.call(value) === '[object Generator]';
}

async function sendResponse(response: Response, res: ServerResponse): Promise<void> {
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, name) => {
    if (name !== 'set-cookie') headers[name] = value;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) headers['set-cookie'] = cookies;
  res.writeHead(response.status, response.statusText || undefined, headers);
  if (response.body === null) {
    res.end();
    return;
  }
  await writeChunks(response.body as unknown as AsyncIterable<unknown>, res);
}

/**
 * Each chunk goes to the socket as it comes (Node's http sends every write of a chunked response
 * straight away); a slow client holds the producer back instead of filling memory. When the
 * client goes away the loop stops, which ends the generator or cancels the stream.
 */
async function writeChunks(chunks: AsyncIterable<unknown> | Iterable<unknown>, res: ServerResponse): Promise<void> {
  res.flushHeaders();
  for await (const chunk of chunks) {
    if (res.destroyed) return;
    if (!res.write(toBytes(chunk))) await drained(res);
  }
  res.end();
}

function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

function toBytes(chunk: unknown): Uint8Array {
  if (typeof chunk === 'string') return Buffer.from(chunk);
  if (chunk instanceof Uint8Array) return chunk;
  throw new TypeError(`a streamed chunk must be a string or bytes, got ${chunk === null ? 'null' : typeof chunk}`);
}
