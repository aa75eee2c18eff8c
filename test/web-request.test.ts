import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { test } from 'node:test';
import { clientGoneSignal } from '../src/sdk/worker/web-request';

/** The two things clientGoneSignal reads of a response: its close, and whether it ended first. */
function response(): ServerResponse & { finish(): void } {
  const res = Object.assign(new EventEmitter(), { writableFinished: false, finish: () => (res.writableFinished = true) });
  return res as unknown as ServerResponse & { finish(): void };
}

test('the signal asked for before the client went away aborts when it goes', () => {
  const res = response();
  const signal = clientGoneSignal(res)();
  assert.equal(signal.aborted, false);
  res.emit('close');
  assert.equal(signal.aborted, true);
});

test('the signal first asked for after the client went away is aborted already', () => {
  const res = response();
  const signal = clientGoneSignal(res);
  res.emit('close');
  assert.equal(signal().aborted, true);
});

test('an answer sent whole, then closed, aborts nothing; the signal is the same each time it is asked for', () => {
  const res = response();
  const signal = clientGoneSignal(res);
  const first = signal();
  res.finish();
  res.emit('close');
  assert.equal(first.aborted, false);
  assert.equal(signal(), first);
});
