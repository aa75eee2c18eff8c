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

test('a batch writes the lines its children logged in one write, in order, once it returns', () => {
  const writes: string[] = [];
  const log = createLogger({ format: 'text', level: 'info', write: (line) => writes.push(line) });
  const access = log.child('access');
  log.batch(() => {
    access.info('request', { status: 200 });
    log.info('between');
    access.info('request', { status: 404 });
    assert.equal(writes.length, 0);
  });
  assert.equal(writes.length, 1);
  assert.deepEqual(
    writes[0]?.split('\n').map((line) => line.replace(/^\S+ /, '')),
    ['INFO access: request status=200', 'INFO server: between', 'INFO access: request status=404', ''],
  );
  log.info('after');
  assert.equal(writes.length, 2);
});
