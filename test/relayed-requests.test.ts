import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { HaproxyServer } from '../src/server/gateway/haproxy/haproxy-config';
import { RelayedRequests } from '../src/server/gateway/haproxy/relayed-requests';

// A worker joins HAProxy once no service-port request sent for another distance can wait in its
// app's queue (the HAProxy data plane's addWorker): what it waits for, and for how long at most.

const PUBLIC_PORT = 30000;

/** A container worker on `main`, keeping 8081 where it declares it. */
const worker = (main: number): HaproxyServer => ({ id: `W${main}`, host: '10.0.0.2', port: main, servicePorts: { [main]: main, 8081: 8081 }, draining: false, inMaintenance: false });

/** Whether `promise` settled within a few turns of the event loop. */
async function settled(promise: Promise<void>): Promise<boolean> {
  let done = false;
  void promise.then(() => (done = true));
  await new Promise((resolve) => setImmediate(resolve));
  return done;
}

test('a worker keeping the port at the distance the requests were sent for waits for none of them', () => {
  const relayed = new RelayedRequests();
  // Sent while the workers had 8081 one port above their main port 8080.
  relayed.sent('A1', '8081', PUBLIC_PORT + 1);
  assert.equal(relayed.untilNoneQueuedFor('A1', worker(8080), PUBLIC_PORT, 60_000), undefined);
  // Another app's requests are not this one's.
  assert.equal(relayed.untilNoneQueuedFor('A2', worker(8090), PUBLIC_PORT, 60_000), undefined);
});

test('a worker keeping the port elsewhere waits until each request sent for another distance is answered', async () => {
  const relayed = new RelayedRequests();
  const first = relayed.sent('A1', '8081', PUBLIC_PORT + 1);
  const second = relayed.sent('A1', '8081', PUBLIC_PORT + 1);
  // 8081 is 9 below a main port of 8090: the requests would reach its port 8091.
  const queued = relayed.untilNoneQueuedFor('A1', worker(8090), PUBLIC_PORT, 60_000);
  assert.ok(queued);
  first();
  first();
  assert.equal(await settled(queued), false, 'one answered twice is one');
  second();
  assert.equal(await settled(queued), true);
  // Answered requests are counted no more.
  assert.equal(relayed.untilNoneQueuedFor('A1', worker(8090), PUBLIC_PORT, 60_000), undefined);
});

test('a worker lacking the port waits as well', async () => {
  const relayed = new RelayedRequests();
  const answered = relayed.sent('A1', '8081', PUBLIC_PORT + 1);
  const lacking: HaproxyServer = { ...worker(8090), servicePorts: { 8090: 8090 } };
  const queued = relayed.untilNoneQueuedFor('A1', lacking, PUBLIC_PORT, 60_000);
  assert.ok(queued);
  answered();
  assert.equal(await settled(queued), true);
});

test('a request unanswered past the queue timeout is with a worker: the wait ends then', async () => {
  const relayed = new RelayedRequests();
  relayed.sent('A1', '8081', PUBLIC_PORT + 1);
  const queued = relayed.untilNoneQueuedFor('A1', worker(8090), PUBLIC_PORT, 50);
  assert.ok(queued);
  assert.equal(await settled(queued), false);
  // Resolves with the request still unanswered (the queue timeout, and a second for it to join the
  // queue). Its timer keeps no process alive: this one does meanwhile.
  const alive = setInterval(() => {}, 1000);
  await queued.finally(() => clearInterval(alive));
});
