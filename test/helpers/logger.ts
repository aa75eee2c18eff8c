import { createLogger, type Logger, type LogFormat } from '../../src/server/logger';

/** A server log that keeps its lines, for a test to read what the server would have written. */
export function capturedLogger(format: LogFormat = 'json'): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  return { log: createLogger({ format, level: 'debug', write: (line) => lines.push(line) }), lines };
}
