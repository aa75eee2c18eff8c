import { test } from 'node:test';
import assert from 'node:assert/strict';
import { capturedLogger } from './helpers/logger';
import { createLogger } from '../src/server/logger';

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

test("lines formatted elsewhere in the log's format are written as they are, and the log says which format each level gets", () => {
  const writes: string[] = [];
  const log = createLogger({ format: 'json', level: 'info', write: (line) => writes.push(line) });
  const access = log.child('access');
  assert.equal(access.formatOf('info'), 'json');
  assert.equal(access.formatOf('debug'), undefined, 'debug lines are left out at level info');
  access.writeFormatted('{"msg":"a"}\n{"msg":"b"}\n');
  access.writeFormatted('');
  assert.deepEqual(writes, ['{"msg":"a"}\n{"msg":"b"}\n']);
});
