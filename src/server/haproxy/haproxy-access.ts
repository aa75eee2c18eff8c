import { connect, type Socket } from 'node:net';

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
 * state, path. One line a request, raw (no syslog header), into a ring the server reads.
 */
export const ACCESS_LOG_FORMAT = '%HM %ST %Tw %Ta %B %b %s %tsc %HPO';

export function parseAccessLine(line: string): HaproxyServed | undefined {
  const [method, status, queueMs, durationMs, bytes, backend, server, termination, path] = line.trim().split(' ');
  if (path === undefined || backend === undefined || server === undefined || termination === undefined || method === undefined) return undefined;
  // HAProxy's own news in the ring (`Proxy public stopped (cumulated conns: ...)` at a reload) is no request.
  if (!/^\d{3}$/.test(status ?? '')) return undefined;
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

/** The ring HAProxy writes its access lines into, in memory: no system call a request. */
export const ACCESS_RING = 'everai_access';
const RECONNECT_MS = 100;
/**
 * After a read of at least BUSY_LINES lines the stream rests BATCH_MS: the lines gather in the
 * socket and the ring meanwhile, so a busy HAProxy's lines come in reads of many (one system call
 * a batch on both sides, one log write a batch) rather than a read a line. A quiet HAProxy's lines
 * are read as they come: a request's line and metrics are there as soon as they were, say, before
 * its client scrapes /metrics.
 */
const BUSY_LINES = 16;
const BATCH_MS = 20;

/**
 * Reads HAProxy's access lines as they come, in batches, from its runtime API
 * (`show events <ring> -w -n`: new events only, waiting for more). `follow` starts over on the
 * HAProxy now listening on the socket, after a start or a reload; a broken stream starts over too.
 */
export class AccessLineReader {
  private socket: Socket | undefined;
  private closed = false;

  constructor(
    private readonly socketPath: string,
    /** Each batch of requests served, in the order HAProxy logged them. */
    private readonly onServed: (batch: HaproxyServed[]) => void,
  ) {}

  follow(): void {
    this.socket?.destroy();
    if (this.closed) return;
    const socket = connect(this.socketPath);
    this.socket = socket;
    let partial = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      const batch: HaproxyServed[] = [];
      for (const line of lines) {
        const served = parseAccessLine(line);
        if (served) batch.push(served);
      }
      if (batch.length > 0) this.onServed(batch);
      if (lines.length < BUSY_LINES) return;
      socket.pause();
      setTimeout(() => socket.resume(), BATCH_MS).unref();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      if (this.socket === socket && !this.closed) setTimeout(() => (this.socket === socket ? this.follow() : undefined), RECONNECT_MS).unref();
    });
    socket.write(`show events ${ACCESS_RING} -w -n\n`);
  }

  close(): void {
    this.closed = true;
    this.socket?.destroy();
  }
}
