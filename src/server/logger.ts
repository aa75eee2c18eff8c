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
  /** The format this log writes `level`'s lines in, or undefined when it leaves them out. */
  formatOf(level: LogLevel): LogFormat | undefined;
  /**
   * Writes lines formatted elsewhere in this log's format (HAProxy's access lines), each with its
   * newline, as they are: one system call for a batch.
   */
  writeFormatted(lines: string): void;
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

/** `key=value`, the value quoted when it holds a space or a quote; an Error's stack follows on lines of its own. */
function textLine(time: string, level: LogLevel, component: string, msg: string, fields: LogFields): string {
  const pairs: string[] = [];
  const stacks: string[] = [];
  for (const [key, value] of Object.entries(fields)) {
    const shown = value instanceof Error ? value.message : typeof value === 'string' ? value : JSON.stringify(value);
    pairs.push(`${key}=${/^[^\s"=]+$/.test(shown ?? '') ? shown : JSON.stringify(shown ?? null)}`);
    if (value instanceof Error) stacks.push(inspect(value).replace(/^/gm, '    '));
  }
  const head = [time, level.toUpperCase(), `${component}:`, msg, ...pairs].join(' ');
  return `${[head, ...stacks].join('\n')}\n`;
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
    formatOf: (level) => (LOG_LEVELS.indexOf(level) >= threshold ? options.format : undefined),
    writeFormatted: (lines) => (lines === '' ? undefined : write(lines)),
  };
}
