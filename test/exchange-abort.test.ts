import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Abort } from '../src/server/gateway/node/abort';
import { WorkerSlot } from '../src/server/gateway/node/worker-slot';

test('an exchange aborts with its client, with the same reason, until it stops following it', () => {
  const client = new Abort();
  const exchange = new Abort();
  const unfollow = exchange.follow(client);
  const gone = new Error('the client went away');
  client.abort(gone);
  assert.equal(exchange.aborted, true);
  assert.equal(exchange.reason, gone);

  const later = new Abort();
  const other = new Abort();
  later.follow(other)();
  other.abort(gone);
  assert.equal(later.aborted, false, 'no longer following');
  unfollow();
});

test("a slot's cut aborts the exchanges it holds, and one it is handed afterwards at once; one let go is left alone", async () => {
  const slot = new WorkerSlot('w1', 'app', 1, 'http://127.0.0.1:9', 2);
  try {
    const [held, done] = [new Abort(), new Abort()];
    slot.hold(held);
    slot.hold(done);
    slot.letGo(done);
    const reason = new Error('drain deadline');
    slot.cut(reason);
    assert.equal(held.reason, reason);
    assert.equal(done.aborted, false);
    const late = new Abort();
    slot.hold(late);
    assert.equal(late.reason, reason);
  } finally {
    await slot.close();
  }
});
