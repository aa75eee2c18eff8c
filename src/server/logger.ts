import { inspect } from 'node:util';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const LOG_FORMATS = ['text', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** What a line carries beside its message: an Error among them is written with its stack and cause. */
export type LogFields = Record<string, unknown>;

/**
 * The server's log. Each part of the platform gets one through its deps, named after itself, so a
 * line says who wrote it and a test can hand in its own.
 */
export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** The same log, its lines naming `component`. */
  child(component: string): Logger;
  /**
   * One request's access line (message `request`), stamped `time` (whole milliseconds since the epoch)
   * by whoever saw the request end: the Node gateway, or HAProxy whose lines the server reads a
   * moment later. The line is what `info('request', record)` would write, made without the
   * general path's cost: a busy gateway writes tens of thousands a second.
   */
  access(level: LogLevel, time: number, record: AccessRecord): void;
}

/** An access line's fields, in the order they are written. */
export interface AccessRecord {
  method: string;
  /** Without the query, which may carry an app's secrets. */
  path: string;
  status: number;
  /** The app (NAMESPACE/NAME), its route name and the worker that answered, when the request reached an app. */
  app?: string | undefined;
  route?: string | undefined;
  worker?: string | undefined;
  durationMs: number;
  /** What went out on the connection for this response, status line and headers included (nginx's `$bytes_sent`). */
  bytes: number;
  /** Cut because the client (or the worker) went before the response was over. */
  aborted?: boolean;
}

export interface LoggerOptions {
  format: LogFormat;
  /** Lines below it are not written. */
  level: LogLevel;
  /** Where each line goes (with its newline); stderr unless told otherwise. */
  write?: (line: string) => void;
}

/** An Error as its message, and the stack with every cause below it (inspect prints the chain). */
function plain(value: unknown): unknown {
  return value instanceof Error ? { message: value.message, stack: inspect(value) } : value;
}

function jsonLine(time: string, level: LogLevel, component: string, msg: string, fields: LogFields): string {
  const extra = Object.fromEntries(Object.entries(fields).map(([key, value]) => [key, plain(value)]));
  return `${JSON.stringify({ time, level, component, msg, ...extra })}\n`;
}

/** A text value as textLine writes it: as it is, or quoted when it holds a space, a quote or `=`. */
function textValue(value: string): string {
  return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
}

/** `key=value`, the value quoted when it holds a space or a quote; an Error's stack follows on lines of its own. */
function textLine(time: string, level: LogLevel, component: string, msg: string, fields: LogFields): string {
  const pairs: string[] = [];
  const stacks: string[] = [];
  for (const [key, value] of Object.entries(fields)) {
    const shown = value instanceof Error ? value.message : typeof value === 'string' ? value : JSON.stringify(value);
    pairs.push(`${key}=${shown === undefined ? 'null' : textValue(shown)}`);
    if (value instanceof Error) stacks.push(inspect(value).replace(/^/gm, '    '));
  }
  const head = [time, level.toUpperCase(), `${component}:`, msg, ...pairs].join(' ');
  return `${[head, ...stacks].join('\n')}\n`;
}

/**
 * `time` in toISOString's form. Lines come many a second: the part up to the second is made once
 * for each second, and only the milliseconds for each line.
 */
const isoTime = (() => {
  let second = NaN;
  let upToSecond = '';
  return (ms: number): string => {
    const s = Math.floor(ms / 1000);
    if (s !== second) {
      second = s;
      upToSecond = new Date(s * 1000).toISOString().slice(0, -4);
    }
    return `${upToSecond}${String(1000 + ms - s * 1000).slice(1)}Z`;
  };
})();

type AccessValue = string | number | boolean | undefined;
/** A string as JSON.stringify writes it: as it is in quotes when nothing in it needs escaping (a quick test), the common case. */
// eslint-disable-next-line no-control-regex -- control characters are what JSON escapes
const jsonString = (value: string): string => (/^[^"\\\u0000-\u001f\ud800-\udfff]*$/.test(value) ? `"${value}"` : JSON.stringify(value));
/** A number or a boolean as JSON.stringify writes it. */
const jsonScalar = (value: number | boolean): string => (typeof value === 'number' && !Number.isFinite(value) ? 'null' : String(value));
const jsonField = (key: string, value: AccessValue): string => (value === undefined ? '' : `,"${key}":${typeof value === 'string' ? jsonString(value) : jsonScalar(value)}`);
const textField = (key: string, value: AccessValue): string => (value === undefined ? '' : ` ${key}=${typeof value === 'string' ? textValue(value) : jsonScalar(value)}`);

/** The access line in `format`: what jsonLine or textLine makes of the same record, field by field. */
function accessLine(format: LogFormat, time: number, level: LogLevel, component: string, record: AccessRecord): string {
  const { method, path, status, app, route, worker, durationMs, bytes, aborted } = record;
  const field = format === 'json' ? jsonField : textField;
  const fields = `${field('method', method)}${field('path', path)}${field('status', status)}${field('app', app)}${field('route', route)}${field('worker', worker)}${field('durationMs', durationMs)}${field('bytes', bytes)}${aborted ? field('aborted', true) : ''}`;
  if (format === 'json') return `{"time":"${isoTime(time)}","level":"${level}","component":${jsonString(component)},"msg":"request"${fields}}\n`;
  return `${isoTime(time)} ${level.toUpperCase()} ${component}: request${fields}\n`;
}

let toStderr: ((line: string) => void) | undefined;

/**
 * Writes to stderr once per turn of the event loop, however many lines came in it. The Node gateway
 * logs a line per request, and a write per line (a system call: stderr is synchronous on Linux,
 * to a file, a pipe or a terminal) was 8% of the server's CPU under load. What is pending is
 * written before the process exits, a crash's own lines included.
 */
function stderrInBatches(): (line: string) => void {
  let pending = '';
  const flush = () => {
    const text = pending;
    pending = '';
    if (text !== '') process.stderr.write(text);
  };
  process.on('exit', flush);
  return (line) => {
    if (pending === '') setImmediate(flush);
    pending += line;
  };
}

export function createLogger(options: LoggerOptions, component = 'server'): Logger {
  return loggerOn(options.write ?? (toStderr ??= stderrInBatches()), options, component);
}

function loggerOn(write: (line: string) => void, options: LoggerOptions, component: string): Logger {
  const threshold = LOG_LEVELS.indexOf(options.level);
  const format = options.format === 'json' ? jsonLine : textLine;
  const at =
    (level: LogLevel) =>
    (msg: string, fields: LogFields = {}): void => {
      if (LOG_LEVELS.indexOf(level) >= threshold) write(format(new Date().toISOString(), level, component, msg, fields));
    };
  return {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (name) => loggerOn(write, options, name),
    access: (level, time, record) => {
      if (LOG_LEVELS.indexOf(level) >= threshold) write(accessLine(options.format, time, level, component, record));
    },
  };
}
