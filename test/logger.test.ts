import { test } from 'node:test';
import assert from 'node:assert/strict';
import { capturedLogger } from './helpers/logger';
import { createLogger, LOG_FORMATS, type AccessRecord } from '../src/server/logger';

test('a text line: time, level, component, message, then key=value pairs', () => {
  const { log, lines } = capturedLogger('text');
  log.child('controller').warn('a worker could not start', { app: 'get-start', tries: 3, reason: 'no such layer' });
  assert.match(lines[0] ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z WARN controller: a worker could not start app=get-start tries=3 reason="no such layer"\n$/);
});

test('an error field carries its cause: on lines of its own in text, as a field in JSON', () => {
  const error = new Error('cannot unpack', { cause: new Error('EIO: i/o error') });
  const text = capturedLogger('text');
  text.log.error('failed', { error });
  assert.match(text.lines[0] ?? '', /error="cannot unpack"\n {4}Error: cannot unpack\n[^]*\[cause\]: Error: EIO: i\/o error/);
  const json = capturedLogger('json');
  json.log.child('api').error('failed', { error });
  const line = JSON.parse(json.lines[0] ?? '') as { level: string; component: string; msg: string; error: { message: string; stack: string } };
  assert.deepEqual([line.level, line.component, line.msg, line.error.message], ['error', 'api', 'failed', 'cannot unpack']);
  assert.match(line.error.stack, /\[cause\]: Error: EIO/);
});

test('lines below the level are not written', () => {
  const lines: string[] = [];
  const log = createLogger({ format: 'json', level: 'warn', write: (line) => lines.push(line) });
  log.debug('noise');
  log.info('noise');
  log.warn('kept');
  assert.deepEqual(lines.map((line) => (JSON.parse(line) as { msg: string }).msg), ['kept']);
});

test("an access line is the line info('request', ...) would write, stamped with the time it is given", () => {
  const records: AccessRecord[] = [
    { method: 'GET', path: '/hello', status: 200, app: 'default/get-start', route: 'get-start', worker: 'W1', durationMs: 3, bytes: 187 },
    // No app (a 404), a path the text line quotes and JSON escapes, a stream cut short.
    { method: 'POST', path: '/a b"c=d\\é', status: 404, durationMs: 0, bytes: 0, aborted: true },
    { method: 'GET', path: '/\u{1F600}\u0001\ud800', status: 500, app: 'a/b', durationMs: Number.NaN, bytes: 1 },
    { method: 'GET', path: '/sse', status: 200, app: 'team/x', route: 'r', worker: 'W2', durationMs: 9000, bytes: 512, aborted: false },
  ];
  const time = Date.UTC(2026, 0, 2, 3, 4, 5, 67);
  for (const format of LOG_FORMATS) {
    const { log, lines } = capturedLogger(format);
    const access = log.child('access');
    for (const record of records) {
      const { aborted, ...fields } = record;
      access.info('request', aborted ? record : fields);
      access.access('info', time, record);
    }
    access.access('debug', time + 1000, records[0] as AccessRecord);
    for (let i = 0; i < records.length; i++) {
      const general = (lines[2 * i] ?? '').replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/, '2026-01-02T03:04:05.067Z');
      assert.equal(lines[2 * i + 1], general, `${format} line ${i}`);
    }
    assert.match(lines.at(-1) ?? '', format === 'json' ? /^\{"time":"2026-01-02T03:04:06\.067Z","level":"debug","component":"access"/ : /^2026-01-02T03:04:06\.067Z DEBUG access: request /);
  }
  const lines: string[] = [];
  createLogger({ format: 'text', level: 'info', write: (line) => lines.push(line) }).access('debug', time, records[0] as AccessRecord);
  assert.deepEqual(lines, [], 'debug access lines are left out at level info');
});
