import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import { EveraiError, type ErrorBody } from '../../contract/errors';
import { sendJson } from '../../contract/send-json';
import type { Logger } from '../logger';

export { sendJson };

/**
 * The one place where an error becomes a response. An EveraiError is the user's; anything else is
 * ours, logged with a request id that the 500 body carries, and never shown as a stack trace.
 */
export function sendError(req: IncomingMessage, res: ServerResponse, error: unknown, log: Logger): void {
  if (res.headersSent) {
    res.destroy(error instanceof Error ? error : undefined);
    return;
  }
  let body: ErrorBody;
  let status: number;
  let headers: Record<string, string> = {};
  if (error instanceof EveraiError) {
    status = error.status;
    headers = error.headers;
    body = { error: { code: error.code, message: error.message } };
  } else {
    const requestId = randomBytes(8).toString('hex');
    log.error('request failed', { requestId, method: req.method, url: req.url, error });
    status = 500;
    body = { error: { code: 'EVERAI_INTERNAL', message: `internal error (request id ${requestId})`, requestId } };
  }
  if (!req.complete && !unreadBodyIsSmall(req)) headers.connection = 'close';
  sendJson(res, status, body, headers);
}

/** The most of a refused request's body read (and dropped) after the answer, to keep its connection. */
const DROPPED_BODY_LIMIT = 16 * 1024 * 1024;

/**
 * Whether the rest of a refused request's body is small enough to read and drop after the answer
 * (node:http does so), where closing would do harm: a socket closed with bytes unread is reset by
 * the kernel, and a reset can take the answer with it before the client reads it (a 409 to a part
 * of a push became "fetch failed"). A larger or unbounded body gets `Connection: close`: reading
 * gigabytes to refuse them costs more than a client that sends them deserves.
 */
function unreadBodyIsSmall(req: IncomingMessage): boolean {
  const declared = Number(req.headers['content-length']);
  return req.headers['content-length'] !== undefined && Number.isSafeInteger(declared) && declared <= DROPPED_BODY_LIMIT;
}
