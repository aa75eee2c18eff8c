import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Logger } from '../logger';

/** What the gateway learns while it routes a request, for its access log line: the app (NAMESPACE/NAME), its route name and the worker that answered. */
export interface AccessNote {
  app?: string;
  route?: string;
  worker?: string;
}

/** A request whose response is over, as the access log saw it. */
export interface EndedRequest {
  method: string;
  status: number;
  note: AccessNote;
  seconds: number;
}

/**
 * Writes one access log line for the request when its response is over: finished, or cut because
 * the client went (then `aborted`), so a stream is logged when it ends, with its whole duration.
 * `bytes` is what went out on the connection for this response, status line and headers included
 * (nginx's `$bytes_sent`). The path is logged without its query, which may carry an app's secrets.
 * `onEnd` hears of the same moment (the request metrics), so the log and the metrics never disagree.
 */
export function logAccess(req: IncomingMessage, res: ServerResponse, log: Logger, level: 'info' | 'debug', onEnd?: (ended: EndedRequest) => void): AccessNote {
  const started = performance.now();
  const socket = req.socket;
  const before = socket.bytesWritten;
  const note: AccessNote = {};
  res.once('close', () => {
    const durationMs = performance.now() - started;
    const url = req.url ?? '/';
    const query = url.indexOf('?');
    const method = req.method ?? 'GET';
    log.access(level, Date.now(), {
      method,
      path: query < 0 ? url : url.slice(0, query),
      status: res.statusCode,
      app: note.app,
      route: note.route,
      worker: note.worker,
      durationMs: Math.round(durationMs),
      bytes: socket.bytesWritten - before,
      aborted: !res.writableFinished,
    });
    onEnd?.({ method, status: res.statusCode, note, seconds: durationMs / 1000 });
  });
  return note;
}
