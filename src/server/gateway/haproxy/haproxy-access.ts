import { connect, type Socket } from 'node:net';
import { CLIENT_KEEP_ALIVE_MS } from '../data-plane';

/**
 * A request HAProxy served alone, as its ring line tells it: what the server counts (the request
 * metrics) and writes (the access line, in the server log's own format).
 */
export interface HaproxyServed {
  /** The app's backend (`app_<id>`). */
  backend: string;
  /** The worker's id (its server's name). */
  worker: string;
  method: string;
  /** Without the query. */
  path: string;
  status: number;
  queueMs: number;
  durationMs: number;
  /** What went out to the client, headers included. */
  bytes: number;
  /** When the request ended, in milliseconds since the epoch. */
  endedAt: number;
  /** Cut short: the client or the worker went first. */
  aborted: boolean;
}

/** The backup server of every app backend: the Node gateway, through the activator frontend. */
export const ACTIVATOR_SERVER = 'activator';

/** The ring HAProxy writes a line a request into, in memory: no system call a request. */
export const ACCESS_RING = 'everai_access';

/**
 * HAProxy's log-format for the requests it serves alone (the Node server logs the others itself):
 * built-in fields only, no sample expression, one short raw line each into the ring. The server,
 * not HAProxy, makes the access line from it, in the log's format. Space-separated: server, backend,
 * status, queue wait (%Tw), active time (%Ta), termination state, method, bytes out, the accept date
 * (seconds, then milliseconds), the time since it (%Tt), and last the path, which holds no space
 * (HAProxy refuses such a request line).
 */
export const ACCESS_LOG_FORMAT = '%s %b %ST %Tw %Ta %tsc %HM %B %Ts %ms %Tt %HPO';

/** The fields before the path. */
const HEAD_FIELDS = 11;

/** The integer text[from, to) spells (HAProxy writes -1 for a timer that did not run), NaN when it spells none. */
function integerAt(text: string, from: number, to: number): number {
  const sign = text.charCodeAt(from) === 45 ? -1 : 1;
  let at = sign < 0 ? from + 1 : from;
  if (at >= to) return NaN;
  let value = 0;
  for (; at < to; at++) {
    const digit = text.charCodeAt(at) - 48;
    if (digit < 0 || digit > 9) return NaN;
    value = value * 10 + digit;
  }
  return sign * value;
}

/**
 * Where each field of a line starts, the path's included: numbers are read where they stand,
 * with no string made for them (tens of thousands of lines a second).
 */
const starts = new Array<number>(HEAD_FIELDS + 1).fill(0);

/** The request of the ring line text[from, end), or undefined for a line that tells of none. */
function servedOn(text: string, from: number, end: number): HaproxyServed | undefined {
  starts[0] = from;
  for (let field = 1, at = from; field <= HEAD_FIELDS; field++) {
    const space = text.indexOf(' ', at);
    if (space < 0 || space >= end) return undefined;
    starts[field] = at = space + 1;
  }
  const slice = (field: number) => text.slice(starts[field], (starts[field + 1] as number) - 1);
  const integer = (field: number) => integerAt(text, starts[field] as number, (starts[field + 1] as number) - 1);
  const worker = slice(0);
  const status = integer(2);
  // HAProxy's own news in the ring (`Proxy public stopped (...)` at a reload), a request cut
  // before any answer (status -1), or one the activator answered: no request HAProxy served.
  if (worker === ACTIVATOR_SERVER || !(status >= 100 && status <= 999)) return undefined;
  const termination = text.charCodeAt(starts[5] as number);
  const endedAt = integer(8) * 1000 + integer(9) + Math.max(0, integer(10));
  return {
    backend: slice(1),
    worker,
    method: slice(6),
    path: text.slice(starts[HEAD_FIELDS], end),
    status,
    queueMs: Math.max(0, integer(3)),
    durationMs: Math.max(0, integer(4)),
    bytes: integer(7),
    // A date HAProxy did not write (never seen): the line is stamped when read rather than not written.
    endedAt: Number.isFinite(endedAt) ? endedAt : Date.now(),
    // C: the client went first; S: the worker did.
    aborted: termination === 67 || termination === 83,
  };
}

/**
 * Hands each request of whole ring lines that HAProxy served straight from a worker to `served`.
 * What went to the activator is left out: the Node server logs and counts it. A request cut short
 * (its termination state starts with C, client, or S, server) is `aborted`, as the Node gateway
 * marks its line.
 */
export function readServedLines(text: string, served: (request: HaproxyServed) => void): void {
  for (let from = 0; from < text.length; ) {
    const newline = text.indexOf('\n', from);
    const end = newline < 0 ? text.length : newline;
    const request = servedOn(text, from, end);
    if (request) served(request);
    from = end + 1;
  }
}

const RECONNECT_MS = 100;
/**
 * After a read of fewer than BATCH_CHARS the stream rests BATCH_MS: the lines gather in the socket
 * and the ring meanwhile, so HAProxy's lines come in reads of many (one system call a batch on both
 * sides, one log write a batch) rather than a read a request, even at one connection. A read of
 * more is a batch already, and more may wait behind it (Node reads at most 64 KiB at a time): the
 * stream reads on, where a rest after every read held the reader to 64 KiB each 20 ms, about
 * 16,000 lines a second, below what a busy HAProxy serves. It reads on at the next turn of the
 * event loop, not in this one: libuv reads a socket up to 32 times a turn, and the access lines of
 * every read stayed in memory until the turn ended and the log was written, so the collector moved
 * megabytes of them out of the young generation (15-35 MB in 5 s at 31,000-34,000 requests a
 * second, against 0.7 MB read a turn at a time). A reader of the metrics calls `caughtUp` first,
 * which ends the rest and reads what waits.
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
      socket.pause();
      if (chunk.length >= BATCH_CHARS) {
        setImmediate(() => socket.resume());
        return;
      }
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
