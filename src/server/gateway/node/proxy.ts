import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable, Transform } from 'node:stream';
import { EveraiError } from '../../../contract/errors';
import { forwardResponseHeaders } from '../forward-headers';
import { ResponseSink } from './response-sink';
import type { Pool } from 'undici';
import type { Abort } from './abort';

/** Counts request body bytes on their way through and stops the body past the limit (413). */
function bodyLimit(limit: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      seen += chunk.length;
      if (seen > limit) done(new EveraiError('EVERAI_BODY_TOO_LARGE', `request body is over ${limit} bytes`));
      else done(null, chunk);
    },
  });
}

export interface ProxyOutcome {
  ok: boolean;
}

/** A worker's failure after its answer began: nothing can be retried or sent any more. */
export class CutOffError extends Error {}

/** A connection that never opened (refused, no such socket, no route): nothing of the request left. */
const CONNECT_FAILURES = new Set(['ECONNREFUSED', 'ENOENT', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'UND_ERR_CONNECT_TIMEOUT']);

/**
 * A request's body, shared by the tries to forward it: read from the client once, and by a try only
 * once its connection is open, so a try whose connection never opened leaves it whole for the next.
 */
export class ForwardedBody {
  private readonly stream: Readable | null;
  private taken = false;
  /** Why the body broke off (over the limit: 413), once it did. */
  error: unknown;

  constructor(req: IncomingMessage, limitBytes: number) {
    const hasBody = req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined;
    this.stream = hasBody && req.method !== 'GET' && req.method !== 'HEAD' ? req.pipe(bodyLimit(limitBytes)) : null;
    this.stream?.on('error', (error) => (this.error = error));
  }

  /**
   * What one try sends: a stream that starts reading the body when undici first reads it, once
   * the try's connection is open. Destroyed (the try failed) after that, it destroys the body too;
   * before, it leaves the body whole.
   */
  forTry(): Readable | null {
    const source = this.stream;
    if (!source) return null;
    let started = false;
    const out: Readable = new Readable({
      read: () => {
        this.taken = true;
        if (!started) {
          started = true;
          // Broken off already (over the limit while the request waited for a worker): no event will say so again.
          if (source.destroyed) {
            out.destroy(this.brokenOff());
            return;
          }
          source.on('data', (chunk: Buffer) => {
            if (!out.push(chunk)) source.pause();
          });
          source.once('end', () => out.push(null));
          source.once('close', () => (source.readableEnded ? undefined : out.destroy(this.brokenOff())));
        }
        source.resume();
      },
      destroy: (error, done) => {
        if (started) source.destroy(error ?? undefined);
        done(error);
      },
    });
    return out;
  }

  private brokenOff(): Error {
    return this.error instanceof Error ? this.error : new Error('the request body broke off');
  }

  /**
   * Whether the try that failed with `error` sent nothing at all: its connection never opened, and
   * no try has read the body. Such a request may go to another worker, whatever its method.
   */
  neverSent(error: unknown): boolean {
    const code = (error as { code?: unknown } | undefined)?.code;
    return !this.taken && typeof code === 'string' && CONNECT_FAILURES.has(code);
  }
}

/**
 * Forwards one request to a worker, with `headers` (forwardRequestHeaders: built once, however many
 * workers are tried) and `body` (one for all the tries), and streams the answer into the client's
 * response as it comes (undici's `stream`, no buffering either way), so an SSE event reaches the
 * client as soon as the worker writes it.
 * `onHeaders` sees the answer's headers before the client does, and may take some out.
 * Throws CutOffError when the exchange broke after the client got part of the answer, anything
 * else when the worker failed before the client got a byte (so the request may be retried).
 */
export async function proxyToWorker(
  res: ServerResponse,
  pool: Pool,
  request: { method: string; path: string; headers: Record<string, string | string[]>; body: ForwardedBody },
  signal: Abort,
  onHeaders?: (headers: Record<string, string | string[]>) => void,
): Promise<ProxyOutcome> {
  let sink: ResponseSink | undefined;
  try {
    await pool.stream(
      { path: request.path, method: request.method, headers: request.headers, body: request.body.forTry(), signal },
      ({ statusCode, headers: answered }) => {
        const forwarded = forwardResponseHeaders(answered);
        onHeaders?.(forwarded);
        sink = new ResponseSink(res, statusCode, forwarded);
        return sink;
      },
    );
    return { ok: (sink?.statusCode ?? 502) < 500 };
  } catch (error) {
    if (sink?.committed) {
      res.destroy();
      throw new CutOffError(`the answer broke off: ${(error as Error).message}`, { cause: error });
    }
    throw request.body.error ?? error;
  }
}
