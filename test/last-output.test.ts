import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withLastOutput } from '../src/server/controller/last-output';

// What a failed worker's reason says it printed last: the line that says what, not where.

test('a one-line error ends the first line of the reason', () => {
  assert.equal(withLastOutput('its process exited with code 1', 'Error: app.ts:22:41: boom in worker\n'), 'its process exited with code 1; last output: Error: app.ts:22:41: boom in worker');
});

test('an error with its stack: its message on the first line, the frames after it below', () => {
  const log = [
    'worker W: prepare hook 1/1 (anonymous)',
    'worker W: prepare hook 1/1 (anonymous) failed: Error: boom in prepare',
    '    at <anonymous> (/app/app.ts:23:61)',
    '    at main (/opt/everai/dist/src/sdk/worker/worker-entry.js:47:19)',
    '',
    'Node.js v20.11.1',
  ].join('\n');
  assert.equal(
    withLastOutput('its process exited with code 1', log),
    [
      'its process exited with code 1; last output: worker W: prepare hook 1/1 (anonymous) failed: Error: boom in prepare',
      '    at <anonymous> (/app/app.ts:23:61)',
      '    at main (/opt/everai/dist/src/sdk/worker/worker-entry.js:47:19)',
      'Node.js v20.11.1',
    ].join('\n'),
  );
});

test('a line that reached the log after the error (another pipe) does not hide it', () => {
  const log = [
    'worker W: prepare hook 1/1 loadModel failed: Error: boom in prepare',
    '    at loadModel (/app/app.ts:23:76)',
    'worker W: prepare hook 1/1 loadModel',
  ].join('\n');
  assert.equal(
    withLastOutput('its process exited with code 1', log),
    'its process exited with code 1; last output: worker W: prepare hook 1/1 loadModel failed: Error: boom in prepare\n    at loadModel (/app/app.ts:23:76)',
  );
});

test('no failure reported: the last line that is no stack frame', () => {
  assert.equal(withLastOutput('it was not ready within 3 s', 'worker W: prepare hook 1/1 hang\n'), 'it was not ready within 3 s; last output: worker W: prepare hook 1/1 hang');
});

test('nothing printed: the reason alone', () => {
  assert.equal(withLastOutput('it was not ready within 3 s', '\n'), 'it was not ready within 3 s');
});

test('only stack frames (their message scrolled off): the first of them stands in', () => {
  assert.equal(withLastOutput('its process exited with code 1', '    at a (x.js:1:1)\n    at b (x.js:2:2)'), 'its process exited with code 1; last output: at a (x.js:1:1)\n    at b (x.js:2:2)');
});
