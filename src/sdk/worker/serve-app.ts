import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EveraiError, type ErrorBody, type ErrorCode } from '../../contract/errors';
import { READINESS_PATH } from '../../contract/worker-env';
import type { App } from '../app';
import { matchRoute } from './match-route';
import { sendResult } from './send-result';
import { clientGoneSignal, requestUrl, toWebRequest } from './web-request';
import { sendJson } from '../../contract/send-json';

export { READINESS_PATH };

export interface ServeOptions {
  port: number;
  /** Default 127.0.0.1: the gateway reaches workers on this machine. */
  host?: string;
}

export interface AppServer extends Server {
  /** How many requests are being answered now (a stream counts until its end). */
  inFlight(): number;
  /**
   * Stops taking connections and requests, lets every in-flight request finish (a stream runs to
   * its end), then closes. Resolves when the last connection is gone.
   */
  drain(): Promise<void>;
}

/** The platform's error shape (docs/errors.md), so a client sees the same from a worker as from the API. */
function sendError(res: ServerResponse, status: number, code: ErrorCode, message: string, headers: Record<string, string> = {}): void {
  const body: ErrorBody = { error: { code, message } };
  sendJson(res, status, body, headers);
}

/** Serves the app's routes on `host:port`; resolves once it listens. */
export async function serveApp(app: App, options: ServeOptions): Promise<AppServer> {
  const active = new Set<ServerResponse>();
  let draining = false;
  let closed: Promise<void> | undefined;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const method = req.method ?? 'GET';
    const url = requestUrl(req);
    const path = url.pathname;
    if (path === READINESS_PATH) {
      if (draining) sendError(res, 503, 'EVERAI_UNAVAILABLE', 'the worker is shutting down');
      else sendJson(res, 200, { ready: true });
      return;
    }
    const match = matchRoute(app.service.routes, method, path);
    if (match.kind === 'not-found') return sendError(res, 404, 'EVERAI_NOT_FOUND', `no route for ${method} ${path}`);
    if (match.kind === 'method-not-allowed') {
      // The catalogue has no code of its own for 405; the status says what went wrong.
      return sendError(res, 405, 'EVERAI_BAD_REQUEST', `${path} does not take ${method} (it takes ${match.allowed.join(', ')})`, {
        allow: match.allowed.join(', '),
      });
    }
    try {
      const result = await match.route.handler(toWebRequest(req, url, clientGoneSignal(res)), { params: match.params });
      await sendResult(result, res);
    } catch (error) {
      console.error(`everai: ${method} ${path} failed:`, error);
      if (res.headersSent) {
        // Cut rather than end: a cleanly ended stream would pass for a complete answer.
        res.destroy();
      } else if (error instanceof EveraiError) {
        sendError(res, error.status, error.code, error.message);
      } else {
        sendError(res, 500, 'EVERAI_INTERNAL', `the handler for ${method} ${path} failed; see the worker's log`);
      }
    }
  };

  // No limit on receiving a request: Node's default (5 minutes) would cut a long upload midway.
  const server = createServer({ requestTimeout: 0 }, (req, res) => {
    active.add(res);
    // While draining, each answer also closes its connection, so no new request can follow it.
    if (draining) res.shouldKeepAlive = false;
    res.once('close', () => {
      active.delete(res);
      if (draining) setImmediate(() => server.closeIdleConnections());
    });
    void handle(req, res);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });

  return Object.assign(server, {
    inFlight: () => active.size,
    drain(): Promise<void> {
      if (closed) return closed;
      draining = true;
      for (const res of active) if (!res.headersSent) res.shouldKeepAlive = false;
      closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      return closed;
    },
  });
}

/** The port a server listens on (useful when it was asked for port 0). */
export function listeningPort(server: Server): number {
  return (server.address() as AddressInfo).port;
}
