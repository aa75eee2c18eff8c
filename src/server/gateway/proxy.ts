import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { EveraiError } from '../../common/errors';
import type { WorkerSlot } from './worker-slot';

/** Hop-by-hop headers (RFC 9110 §7.6.1) end at the gateway; the rest pass intact. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
]);

function forwardHeaders(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
  }
  return out;
}

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
  /** True once any part of the worker's answer went to the client. */
  responded: boolean;
  ok: boolean;
}

/**
 * Forwards one request to a worker and streams the answer back as it comes: no buffering either
 * way, so an SSE event reaches the client as soon as the worker writes it.
 */
export async function proxyToWorker(
  req: IncomingMessage,
  res: ServerResponse,
  slot: WorkerSlot,
  path: string,
  bodyLimitBytes: number,
  signal: AbortSignal,
): Promise<ProxyOutcome> {
  const hasBody = req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined;
  const body = hasBody && req.method !== 'GET' && req.method !== 'HEAD' ? req.pipe(bodyLimit(bodyLimitBytes)) : null;
  let bodyError: unknown;
  body?.on('error', (error) => (bodyError = error));
  let upstream;
  try {
    upstream = await slot.pool.request({
      path,
      method: req.method as 'GET',
      headers: forwardHeaders(req.headers),
      body,
      signal,
    });
  } catch (error) {
    throw bodyError ?? error;
  }
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(upstream.headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
  }
  res.writeHead(upstream.statusCode, headers);
  // Headers go out at once: a stream that starts slowly is still seen to start.
  res.flushHeaders();
  try {
    await pipeline(upstream.body, res);
    return { responded: true, ok: upstream.statusCode < 500 };
  } catch {
    // The client left or the worker broke off mid-answer: nothing more can be sent either way.
    res.destroy();
    return { responded: true, ok: false };
  }
}
