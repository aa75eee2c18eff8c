import { connect, type Socket } from 'node:net';
import type { LogFormat } from '../../logger';
import { CLIENT_KEEP_ALIVE_MS } from '../data-plane';

/**
 * What the server counts of each request HAProxy served alone (the request metrics); the access
 * line itself HAProxy writes, in the server log's own format.
 */
export interface HaproxyServed {
  /** The app's backend (`app_<id>`). */
  backend: string;
  method: string;
  status: number;
  queueMs: number;
  durationMs: number;
}

/** The backup server of every app backend: the Node gateway, through the activator frontend. */
export const ACTIVATOR_SERVER = 'activator';

/** The ring HAProxy writes a line a request into, in memory: no system call a request. */
export const ACCESS_RING = 'everai_access';

/**
 * The routes map's value (`backend|owner|app|route`) of the request's app, kept by the frontend:
 * the access line names the app and route as the Node gateway's does.
 */
const ROUTE = 'var(txn.route)';
/**
 * The log's `time` (`toISOString`'s form), taken when the line is written as Node's is: HAProxy 2.6 has no
 * millisecond strftime. The seconds and the microseconds of the same clock reading (`date`,
 * `date_us`); the milliseconds are 1000 + ms as a string less its first byte (zero-padded to 3
 * digits), cheaper than a regsub.
 */
const TIME = '%[date,utime(%Y-%m-%dT%H:%M:%S)].%[date_us,div(1000),add(1000),concat(),bytes(1)]Z';
const APP = `%[${ROUTE},field(3,|)]`;
const ROUTE_NAME = `%[${ROUTE},field(4,|)]`;
/** The worker's id: HAProxy's server name (`serverName` in the config), a built-in field, no sample fetch. */
const WORKER = '%s';

/**
 * The access line as `logger.ts` writes it for a request the Node gateway serves (`logAccess`),
 * HAProxy's fields in place of Node's: the same keys, in the same order. Only paths that need no
 * quoting or escaping reach HAProxy's fast path (`ESCAPED_PATH` in the config), so none is quoted here.
 */
function accessLine(format: LogFormat): string {
  if (format === 'json') {
    const fields = `"method":"%HM","path":"%HPO","status":%ST,"app":"${APP}","route":"${ROUTE_NAME}","worker":"${WORKER}","durationMs":%Ta,"bytes":%B`;
    return `{"time":"${TIME}","level":"info","component":"access","msg":"request",${fields}}`;
  }
  return `${TIME} INFO access: request method=%HM path=%HPO status=%ST app=${APP} route=${ROUTE_NAME} worker=${WORKER} durationMs=%Ta bytes=%B`;
}

/**
 * HAProxy's log-format for the requests it serves alone (the Node server logs the others itself),
 * one raw line each into the ring: first what the server counts, in fields it reads without
 * formatting anything (server, backend, status, queue wait %Tw, active time %Ta, termination state,
 * method), then the access line ready to write, or nothing when access lines are not logged
 * (`format` undefined: a log level above info).
 */
export function accessLogFormat(format: LogFormat | undefined): string {
  const head = '%s %b %ST %Tw %Ta %tsc %HM';
  return format === undefined ? head : `${head} ${accessLine(format)}`;
}

const HEAD_FIELDS = 7;

/** A ring line's first HEAD_FIELDS space-separated fields, and the rest (the access line, if any). */
function splitHead(line: string): { head: string[]; rest: string } {
  const head: string[] = [];
  let from = 0;
  while (head.length < HEAD_FIELDS && from <= line.length) {
    const space = line.indexOf(' ', from);
    const end = space < 0 ? line.length : space;
    head.push(line.slice(from, end));
    from = end + 1;
  }
  return { head, rest: from < line.length ? line.slice(from) : '' };
}

/**
 * Reads whole ring lines: hands each request HAProxy served straight from a worker to `served`, and
 * returns their access lines, ready to write (empty when `format` is undefined). What went to the
 * activator is left out: the Node server logs and counts it. A request cut short (its termination
 * state starts with C, client, or S, server) gets `aborted` as the Node gateway's line does.
 */
export function readServedLines(text: string, format: LogFormat | undefined, served: (request: HaproxyServed) => void): string {
  let out = '';
  for (const line of text.split('\n')) {
    const { head, rest } = splitHead(line);
    const [server, backend, status = '', queueMs, durationMs, termination = '', method] = head;
    // HAProxy's own news in the ring (`Proxy public stopped (...)` at a reload), or a request cut
    // before any answer (status -1): no request served.
    if (backend === undefined || method === undefined || server === ACTIVATOR_SERVER || !/^\d{3}$/.test(status)) continue;
    served({ backend, method, status: Number(status), queueMs: Math.max(0, Number(queueMs)), durationMs: Math.max(0, Number(durationMs)) });
    if (format === undefined) continue;
    const aborted = termination[0] === 'C' || termination[0] === 'S';
    out += `${aborted ? (format === 'json' ? `${rest.slice(0, -1)},"aborted":true}` : `${rest} aborted=true`) : rest}\n`;
  }
  return out;
}

const RECONNECT_MS = 100;
/**
 * After a read of fewer than BATCH_CHARS the stream rests BATCH_MS: the lines gather in the socket
 * and the ring meanwhile, so HAProxy's lines come in reads of many (one system call a batch on both
 * sides, one log write a batch) rather than a read a request, even at one connection. A read of
 * more is a batch already, and more may wait behind it (Node reads at most 64 KiB at a time): the
 * stream reads on, where a rest after every read held the reader to 64 KiB each 20 ms, about
 * 16,000 lines a second, below what a busy HAProxy serves. A reader of the metrics calls
 * `caughtUp` first, which ends the rest and reads what waits.
 */
const BATCH_MS = 20;
const BATCH_CHARS = 16 * 1024;
/**
 * `caughtUp` reads until no line came for CATCH_UP_QUIET_MS, CATCH_UP_MAX_MS at most. HAProxy hands
 * a request's ring line to a watcher some tens of milliseconds after the answer went out (measured:
 * a read 20 ms after a request's answer missed its line, 40 ms after found it).
 */
const CATCH_UP_QUIET_MS = 50;
const CATCH_UP_MAX_MS = 300;

/**
 * How long the ring of an HAProxy worker a reload replaced is still read: until the last request
 * it may still be sent on an idle connection (`option idle-close-on-response`: one more on each,
 * within the keep-alive timeout of the reload) is logged. Not longer: a reader attached to its ring
 * keeps that worker from ending. (A stream it still serves past that is not counted.)
 */
const REPLACED_WORKER_READ_MS = CLIENT_KEEP_ALIVE_MS + 5_000;

/**
 * Reads HAProxy's ring lines as they come, in batches of whole lines, from its runtime API
 * (`show events <ring> -w`, waiting for more). `follow` starts on the HAProxy worker now listening
 * on the socket, after a start or a reload, from the first line of its ring (a new worker's ring
 * starts empty, and it may have served requests before this connects); a broken stream starts over
 * from its new lines only (`-n`), not to count a line twice.
 */
export class AccessLineReader {
  private socket: Socket | undefined;
  private closed = false;
  /** Streams being read: the current worker's, and for a while those of workers it replaced. */
  private readonly sockets = new Set<Socket>();
  /** The timer that ends the streams' rest, while they rest. */
  private rest: NodeJS.Timeout | undefined;

  constructor(
    private readonly socketPath: string,
    /** Whole lines, each with its newline, in the order HAProxy logged them. */
    private readonly onLines: (text: string) => void,
  ) {}

  /** Reads the ring of the HAProxy worker now on the socket, from its start. */
  follow(): void {
    this.read(true);
  }

  private read(fromStart: boolean): void {
    this.endRest();
    const replaced = this.socket;
    // The replaced worker still answers what it holds, and logs it.
    if (replaced) setTimeout(() => replaced.destroy(), REPLACED_WORKER_READ_MS).unref();
    if (this.closed) return;
    const socket = connect(this.socketPath);
    this.socket = socket;
    this.sockets.add(socket);
    let partial = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      const text = partial + chunk;
      const end = text.lastIndexOf('\n') + 1;
      partial = text.slice(end);
      if (end > 0) this.onLines(text.slice(0, end));
      if (chunk.length >= BATCH_CHARS) return;
      socket.pause();
      clearTimeout(this.rest);
      this.rest = setTimeout(() => this.endRest(), BATCH_MS).unref();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.sockets.delete(socket);
      if (this.socket === socket && !this.closed) setTimeout(() => (this.socket === socket ? this.read(false) : undefined), RECONNECT_MS).unref();
    });
    socket.write(`show events ${ACCESS_RING} -w${fromStart ? '' : ' -n'}\n`);
  }

  /**
   * Resolves once the lines of the requests answered so far are read, as far as can be told: when
   * the stream has been quiet a while (CATCH_UP_QUIET_MS), not resting meanwhile.
   */
  async caughtUp(): Promise<void> {
    const socket = this.socket;
    if (!socket) return;
    await new Promise<void>((resolve) => {
      let quiet = setTimeout(finish, CATCH_UP_QUIET_MS);
      const deadline = setTimeout(finish, CATCH_UP_MAX_MS);
      // After the reader's own 'data' listener, which hands the lines on and pauses the stream.
      const onData = () => {
        clearTimeout(quiet);
        quiet = setTimeout(finish, CATCH_UP_QUIET_MS);
        this.endRest();
      };
      function finish(): void {
        clearTimeout(quiet);
        clearTimeout(deadline);
        socket?.off('data', onData);
        resolve();
      }
      socket.on('data', onData);
      this.endRest();
    });
  }

  private endRest(): void {
    clearTimeout(this.rest);
    this.rest = undefined;
    for (const socket of this.sockets) socket.resume();
  }

  close(): void {
    this.closed = true;
    this.endRest();
    for (const socket of this.sockets) socket.destroy();
  }
}
