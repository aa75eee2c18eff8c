import type { IncomingMessage, ServerResponse } from 'node:http';
import { Transform } from 'node:stream';
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

/**
 * Forwards one request to a worker, with `headers` (forwardRequestHeaders: built once, however many
 * workers are tried), and streams the answer into the client's response as it comes
 * (undici's `stream`, no buffering either way), so an SSE event reaches the client as soon as the
 * worker writes it.
 * `onHeaders` sees the answer's headers before the client does, and may take some out.
 * Throws CutOffError when the exchange broke after the client got part of the answer, anything
 * else when the worker failed before the client got a byte (so the request may be retried).
 */
export async function proxyToWorker(
  req: IncomingMessage,
  res: ServerResponse,
  pool: Pool,
  path: string,
  headers: Record<string, string | string[]>,
  bodyLimitBytes: number,
  signal: Abort,
  onHeaders?: (headers: Record<string, string | string[]>) => void,
): Promise<ProxyOutcome> {
  const hasBody = req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined;
  const body = hasBody && req.method !== 'GET' && req.method !== 'HEAD' ? req.pipe(bodyLimit(bodyLimitBytes)) : null;
  let bodyError: unknown;
  body?.on('error', (error) => (bodyError = error));
  let sink: ResponseSink | undefined;
  try {
    await pool.stream(
      { path, method: req.method as 'GET', headers, body, signal },
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
    throw bodyError ?? error;
  }
}
