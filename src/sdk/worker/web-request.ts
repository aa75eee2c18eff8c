import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';

/** Node 20's fetch types lack `duplex`, which a request with a streamed body must set. */
type StreamingRequestInit = RequestInit & { duplex?: 'half' };

/**
 * The signal a handler's request carries: aborted when the client goes away before the answer is
 * complete, so a handler can stop work. Made the first time a handler asks for it: most never do,
 * and an AbortController per request was 7% of a worker's CPU.
 */
export function clientGoneSignal(res: ServerResponse): () => AbortSignal {
  let abort: AbortController | undefined;
  let gone = false;
  res.once('close', () => {
    gone = !res.writableFinished;
    if (gone) abort?.abort();
  });
  return () => {
    if (abort) return abort.signal;
    abort = new AbortController();
    if (gone) abort.abort();
    return abort.signal;
  };
}

/**
 * A Request whose `signal` is the worker's own (clientGoneSignal). Handing a signal to Request's
 * constructor instead (`init.signal`) costs undici a second AbortController, a listener and a
 * finalizer registration per request, and the finalizers keep the collector busy: that was about
 * 40% of a worker's CPU per request. (Like any Request's, the signal is not passed on by
 * `fetch(request)`; pass `request.signal` to fetch.)
 */
class WorkerRequest extends Request {
  readonly #signal: () => AbortSignal;

  constructor(input: URL | Request, init: StreamingRequestInit, signal: () => AbortSignal) {
    super(input, init);
    this.#signal = signal;
  }

  override get signal(): AbortSignal {
    return this.#signal();
  }

  /** A copy with the same signal (and its own branch of the body). */
  override clone(): Request {
    return new WorkerRequest(super.clone(), {}, this.#signal);
  }
}

/**
 * The web-standard Request a handler gets: full URL with its query (`url`, from requestUrl), every
 * header as sent, and the body as a stream over the socket, so a large upload is never held in memory.
 */
export function toWebRequest(req: IncomingMessage, url: URL, signal: () => AbortSignal): Request {
  const headers = new Headers();
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    headers.append(req.rawHeaders[i] as string, req.rawHeaders[i + 1] as string);
  }
  const method = req.method ?? 'GET';
  const init: StreamingRequestInit = { method, headers };
  if (method !== 'GET' && method !== 'HEAD') {
    init.body = Readable.toWeb(req) as ReadableStream<Uint8Array>;
    init.duplex = 'half';
  }
  return new WorkerRequest(url, init, signal);
}

/** The request's URL, its host the Host header's; parsed once a request, for its route and its Request. */
export function requestUrl(req: IncomingMessage): URL {
  const path = req.url ?? '/';
  try {
    return new URL(path, `http://${req.headers.host ?? 'localhost'}`);
  } catch {
    // A Host header that is no host must not fail the request; the path is what routes it.
    return new URL(path, 'http://localhost');
  }
}
