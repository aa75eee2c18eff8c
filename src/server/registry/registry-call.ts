import type { IncomingMessage, ServerResponse } from 'node:http';
import type { UserRecord } from '../store/records';

/** One authenticated registry request, with the repository its path names. */
export interface RegistryCall {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  user: UserRecord;
  repository: string;
  /** Aborts when the client goes away, so a broken upload stops writing. */
  signal: AbortSignal;
}

export function sendEmpty(res: ServerResponse, status: number, headers: Record<string, string> = {}): void {
  res.writeHead(status, { ...headers, 'content-length': '0' });
  res.end();
}

/** Aborts when the connection closes before the response has been sent in full. */
export function clientGoneSignal(res: ServerResponse): AbortSignal {
  const controller = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) controller.abort(new Error('the client closed the connection'));
  });
  return controller.signal;
}
