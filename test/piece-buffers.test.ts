import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PieceBuffers } from '../src/contract/piece-buffers';

// Buffers held by several (a writer, a hasher) go back once the last gives them back; a producer
// asked to wait (untilRoom) goes on once fewer than its room are held.

test('a buffer held twice is free once both gave it back, and is then given out again', async () => {
  const buffers = new PieceBuffers(64 * 1024, 2);
  const first = buffers.take();
  const second = buffers.take();
  assert.equal(first.length, 64 * 1024);
  assert.ok(first.buffer instanceof SharedArrayBuffer);
  assert.equal(buffers.untilRoom() instanceof Promise, true);

  let room = false;
  void buffers.untilRoom()?.then(() => (room = true));
  buffers.hold(first.subarray(0, 10));
  buffers.give(first.subarray(0, 10));
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(room, false, 'room while the buffer was still held once');
  // A piece of no buffer of these (a header) changes nothing.
  buffers.give(Buffer.alloc(10));
  buffers.give(first);
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(room, true);
  assert.equal(buffers.untilRoom(), undefined);
  // Given back more often than held: no more room than there is.
  buffers.give(first);
  assert.equal(buffers.take().buffer, first.buffer);
  assert.notEqual(buffers.untilRoom(), undefined);
  buffers.give(second);
});

test('take gives a buffer past the room too: a read already made must go somewhere', () => {
  const buffers = new PieceBuffers(64 * 1024, 1);
  const taken = [buffers.take(), buffers.take(), buffers.take()];
  assert.equal(new Set(taken.map((b) => b.buffer)).size, 3);
  for (const buffer of taken) buffers.give(buffer);
  assert.equal(buffers.untilRoom(), undefined);
});
