import { createSocket, type Socket } from 'node:dgram';

/** One request HAProxy served straight from a worker, as its log line tells it. */
export interface HaproxyServed {
  method: string;
  status: number;
  /** The path as the client sent it, without the query. */
  path: string;
  backend: string;
  server: string;
  queueMs: number;
  durationMs: number;
  bytes: number;
  /** The client went, or the exchange broke, before the answer was over (HAProxy's termination state). */
  aborted: boolean;
}

/**
 * What HAProxy logs of each request it serves alone (the Node server logs the others itself):
 * method, status, queue wait (%Tw), active time (%Ta), bytes sent, backend, server, termination
 * state, path. One line a request, raw (no syslog header), over UDP on loopback.
 */
export const ACCESS_LOG_FORMAT = '%HM %ST %Tw %Ta %B %b %s %tsc %HPO';

export function parseAccessLine(line: string): HaproxyServed | undefined {
  const [method, status, queueMs, durationMs, bytes, backend, server, termination, path] = line.trim().split(' ');
  if (path === undefined || backend === undefined || server === undefined || termination === undefined || method === undefined) return undefined;
  return {
    method,
    status: Number(status),
    path,
    backend,
    server,
    queueMs: Math.max(0, Number(queueMs)),
    durationMs: Math.max(0, Number(durationMs)),
    bytes: Number(bytes),
    // `--` is a normal end; C (client) or S (server) first is an exchange cut short.
    aborted: termination[0] === 'C' || termination[0] === 'S',
  };
}

/** Listens on a loopback UDP port for HAProxy's access lines; resolves once it listens. */
export async function listenForAccessLines(onServed: (served: HaproxyServed) => void): Promise<{ port: number; close(): void }> {
  const socket: Socket = createSocket('udp4');
  socket.on('message', (message) => {
    for (const line of message.toString('utf8').split('\n')) {
      const served = line && parseAccessLine(line);
      if (served) onServed(served);
    }
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => resolve());
  });
  return { port: socket.address().port, close: () => socket.close() };
}
