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
  // A body the client is still sending must not keep the socket busy after we answered.
  if (!req.complete) headers.connection = 'close';
  sendJson(res, status, body, headers);
}
