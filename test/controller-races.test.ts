import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AppService } from '../src/server/apps/app-service';
import { WorkerScaling } from '../src/server/apps/worker-scaling';
import { ControllerHarness } from './helpers/controller-harness';
import { FakeRuntime } from './helpers/fake-runtime';
import { waitFor } from './helpers/wait';

// Races in the controller's worker lifecycle (docs/worker-lifecycle.md, docs/rollout.md), staged
// with a FakeRuntime: the test decides when a worker crashes, is ready, or finishes stopping.

const isReady = (w: { status: string; phase: string }) => w.status === 'RUNNING' && w.phase === 'READY';

test('a worker that exits while it is being drained ends TERMINATED, and is not replaced', async (t) => {
  const h = await ControllerHarness.start(2);
  t.after(() => h.close());
  await h.waitWorkers('two ready workers', (live) => live.length === 2 && live.every(isReady));

  h.runtime.holdStops = true;
  await h.setDesired(1);
  const [draining] = await waitFor('a drained worker being stopped', async () => h.runtime.holding('stop').length === 1 && h.runtime.holding('stop'), 5_000, 5);
  assert.ok(draining);
  // Its process ends on its own while the controller's stop is under way.
  h.runtime.exit(draining, { code: 1, signal: null });
  h.runtime.release('stop', draining);

  await h.waitWorkers('the drained worker gone', (_, all) => all.some((w) => w.id === draining && w.status === 'TERMINATED'));
  await h.quiesce();
  const gone = await h.worker(draining);
  assert.equal(gone.status, 'TERMINATED');
  assert.equal(gone.statusReason, 'it was drained');
  const live = (await h.workers()).filter((w) => w.status !== 'TERMINATED');
  assert.equal(live.length, 1);
  assert.ok(live.every(isReady));
  assert.equal(h.runtime.started.length, 2, 'no worker was started to replace it');
  assert.ok(!(await h.events()).some((e) => e.includes(`Worker/${draining} failed`)), 'its exit is no failure');
});

test('crashes of a new revision each get a replacement and count against it: the third halts the rollout, the old revision serves on', async (t) => {
  const h = await ControllerHarness.start(1);
  t.after(() => h.close());
  const [old] = await h.waitWorkers('revision 1 ready', (live) => live.length === 1 && live.every(isReady));
  assert.ok(old);

  // Revision 2 never turns ready, so the old worker is never drained before its workers crash.
  h.runtime.ready = (id) => h.runtime.launchOf(id).env.REVISION !== '2';
  await h.upgrade();
  const crashed: string[] = [];
  for (let i = 1; i <= 3; i++) {
    const fresh = (ws: { id: string; revision: number; status: string }[]) => ws.find((w) => w.revision === 2 && w.status === 'RUNNING' && !crashed.includes(w.id));
    const next = fresh(await h.waitWorkers(`revision 2 worker ${i} running`, (ws) => fresh(ws) !== undefined));
    assert.ok(next);
    h.runtime.exit(next.id, { code: 1, signal: null });
    crashed.push(next.id);
  }

  await waitFor('the rollout halted', async () => (await h.currentApp()).status === 'FAILED', 5_000, 5);
  await h.quiesce();
  const app = await h.currentApp();
  assert.equal(app.targetRevision, 1);
  assert.match(app.statusReason, /^revision 2 failed 3 times in a row: its process exited with code 1/);
  for (const id of crashed) assert.equal((await h.worker(id)).status, 'ERROR');
  assert.ok(isReady(await h.worker(old.id)), 'the revision 1 worker still serves');
  assert.ok(!h.runtime.stopCalls.includes(old.id));
  assert.deepEqual(h.runtime.started.filter((id) => h.runtime.launchOf(id).env.REVISION === '2'), crashed, 'no fourth worker of revision 2');
  assert.ok((await h.events()).some((e) => e.startsWith('WARNING Rollout halted, revision 1 keeps serving: revision 2 failed 3 times')));
});

test('workers of a new revision not ready in time each count before they go: the third halts the rollout, no fourth starts', async (t) => {
  const h = await ControllerHarness.start(1);
  t.after(() => h.close());
  const [old] = await h.waitWorkers('revision 1 ready', (live) => live.length === 1 && live.every(isReady));
  assert.ok(old);

  h.runtime.ready = (id) => h.runtime.launchOf(id).env.REVISION !== '2';
  await h.store.apps.update(h.app.id, { readyTimeoutMs: 20 });
  await h.upgrade();
  await waitFor('the rollout halted', async () => (await h.currentApp()).status === 'FAILED', 5_000, 5);
  await h.quiesce();

  const app = await h.currentApp();
  assert.equal(app.targetRevision, 1);
  assert.match(app.statusReason, /^revision 2 failed 3 times in a row: it was not ready within 0.02 s/);
  const revision2 = h.runtime.launches.filter((l) => l.env.REVISION === '2').map((l) => l.workerId);
  assert.equal(revision2.length, 3, 'three workers of revision 2 started, no fourth');
  for (const id of revision2) assert.equal((await h.worker(id)).status, 'ERROR');
  assert.ok(isReady(await h.worker(old.id)), 'the revision 1 worker still serves');
});

test('a revision halted after 3 crashes stays halted after a controller restart: no new worker of it starts', async (t) => {
  const h = await ControllerHarness.start(1);
  t.after(() => h.close());
  // Revision 1 has no revision to go back to: the halt leaves it the target, with no worker started.
  const crashed: string[] = [];
  for (let i = 1; i <= 3; i++) {
    const fresh = (ws: { id: string; status: string }[]) => ws.find((w) => w.status === 'RUNNING' && !crashed.includes(w.id));
    const next = fresh(await h.waitWorkers(`worker ${i} running`, (ws) => fresh(ws) !== undefined));
    assert.ok(next);
    h.runtime.exit(next.id, { code: 1, signal: null });
    crashed.push(next.id);
  }
  await waitFor('the rollout halted', async () => (await h.currentApp()).status === 'FAILED', 5_000, 5);
  await h.quiesce();

  await h.restart(new FakeRuntime());
  await h.quiesce();
  const app = await h.currentApp();
  assert.equal(app.status, 'FAILED');
  assert.equal(app.targetRevision, 1);
  assert.deepEqual(h.runtime.launches, [], 'no worker of the halted revision started after the restart');
  assert.deepEqual((await h.workers()).map((w) => w.id), crashed, 'no worker was even recorded');
});

test('after a server restart the surviving workers are adopted, none started twice; a vanished one is replaced once', async (t) => {
  const h = await ControllerHarness.start(2);
  t.after(() => h.close());
  const [kept, lost] = await h.waitWorkers('two ready workers', (live) => live.length === 2 && live.every(isReady));
  assert.ok(kept && lost);

  await h.restart(new FakeRuntime([kept.id]));
  await h.waitWorkers('two ready workers again', (live) => live.length === 2 && live.every(isReady));
  await h.quiesce();
  assert.ok(isReady(await h.worker(kept.id)), 'the survivor is adopted');
  const vanished = await h.worker(lost.id);
  assert.equal(vanished.status, 'ERROR');
  assert.equal(vanished.statusReason, 'its process was gone after a server restart');
  assert.equal(h.runtime.started.length, 1, 'one new worker, for the vanished one');
  assert.equal((await h.workers()).filter((w) => w.status !== 'ERROR' && w.status !== 'TERMINATED').length, 2);
});

test('an exit the kernel caused by OOM makes the worker ERROR with a reason starting OOMKilled', async (t) => {
  const h = await ControllerHarness.start(1);
  t.after(() => h.close());
  const [worker] = await h.waitWorkers('a ready worker', (live) => live.length === 1 && live.every(isReady));
  assert.ok(worker);

  h.runtime.exit(worker.id, { code: 137, signal: 'SIGKILL', oomKilled: true });
  await h.waitWorkers('a replacement ready', (live) => live.length === 1 && live.every((w) => w.id !== worker.id && isReady(w)));
  const failed = await h.worker(worker.id);
  assert.equal(failed.status, 'ERROR');
  assert.match(failed.statusReason, /^OOMKilled: its process was killed for going past its memory limit/);
});

test('passes while earlier starts are not yet recorded start exactly the desired number of workers', async (t) => {
  const h = await ControllerHarness.start(0);
  t.after(() => h.close());
  const release = h.holdWorkerCreates();
  await h.setDesired(2);
  // Several passes run while no record of the first pass's starts has landed.
  await h.quiesce();
  assert.deepEqual(await h.workers(), [], 'the records are still held');
  release();

  await h.waitWorkers('two ready workers', (live) => live.length === 2 && live.every(isReady));
  await h.quiesce();
  assert.equal((await h.workers()).length, 2, 'two workers recorded, no more');
  assert.equal(h.runtime.launches.length, 2, 'two workers started, no more');
});

test('stopping the controller while workers start leaves no start half done', async (t) => {
  const h = await ControllerHarness.start(0);
  t.after(() => h.close());
  h.runtime.holdStarts = true;
  await h.setDesired(2);
  const held = await waitFor('two starts held', async () => h.runtime.holding('start').length === 2 && h.runtime.holding('start'), 5_000, 5);

  // One process comes up just as the server shuts down; the other is still on its way.
  h.runtime.release('start', held[0] ?? '');
  await h.controller.stop({ stopWorkers: false });

  for (const worker of await h.workers()) {
    const running = h.runtime.isRunning(worker.id);
    if (worker.status === 'RUNNING') assert.ok(running, `${worker.id} is recorded RUNNING, so it must run`);
    else {
      assert.ok(worker.status === 'ERROR' || worker.status === 'TERMINATED', `${worker.id} is ${worker.status} once the controller stopped`);
      assert.ok(!running || h.runtime.stopCalls.includes(worker.id), `${worker.id} runs, but nothing records it`);
    }
  }
  assert.deepEqual(h.runtime.holding('start'), [], 'no start is left waiting');
});

test('starts recorded after a pass read its snapshot still count: that pass starts no second worker', async (t) => {
  const h = await ControllerHarness.start(0);
  t.after(() => h.close());
  h.runtime.holdStarts = true;
  const release = h.holdWorkerCreates();
  await h.setDesired(2);
  await h.controller.settled();

  // The next pass reads no worker; before it plans, both records land and both starts get going.
  const snapshotRead = h.staleSnapshotOnce(async () => {
    release();
    await waitFor('both starts recorded', async () => h.runtime.holding('start').length === 2, 5_000, 5);
  });
  h.controller.wake();
  await snapshotRead;
  await h.quiesce();
  for (const id of h.runtime.holding('start')) h.runtime.release('start', id);

  await h.waitWorkers('two ready workers', (live) => live.length === 2 && live.every(isReady));
  await h.quiesce();
  assert.equal((await h.workers()).length, 2, 'two workers recorded, no more');
  assert.equal(h.runtime.launches.length, 2, 'two workers started, no more');
});

test('a worker whose drain ends after a pass read its snapshot is not drained again by that pass', async (t) => {
  const h = await ControllerHarness.start(2);
  t.after(() => h.close());
  await h.waitWorkers('two ready workers', (live) => live.length === 2 && live.every(isReady));
  const releaseDrains = h.holdDrains();
  await h.setDesired(1);
  const draining = await waitFor('a worker draining', async () => (await h.workers()).find((w) => w.phase === 'REMOVE' && w.status === 'RUNNING'), 5_000, 5);

  // The next pass sees it draining; before it plans, the drain ends and the worker is gone.
  const terminated = `NORMAL Worker/${draining.id} terminated: it was drained`;
  const snapshotRead = h.staleSnapshotOnce(async () => {
    releaseDrains();
    await waitFor('the drained worker terminated', async () => (await h.events()).some((e) => e.startsWith(terminated)), 5_000, 5);
  });
  h.controller.wake();
  await snapshotRead;
  await h.quiesce();

  const events = await h.events();
  assert.equal(events.filter((e) => e.includes(`Worker/${draining.id} is draining`)).length, 1, 'drained once');
  assert.equal(events.filter((e) => e.startsWith(terminated)).length, 1, 'terminated once');
  assert.deepEqual(h.runtime.stopCalls, [draining.id], 'stopped once');
  assert.equal((await h.worker(draining.id)).status, 'TERMINATED');
});

test('an app deleted while a pass holds a snapshot that still shows it is not synced back in, and leaves no route behind', async (t) => {
  const h = await ControllerHarness.start(1);
  t.after(() => h.close());
  await h.waitWorkers('one ready worker', (live) => live.length === 1 && live.every(isReady));
  // Deleted as the API deletes an app: paused, its workers drained, then retired and its record deleted.
  await h.store.apps.update(h.app.id, { paused: true });
  h.controller.wake();
  await h.waitWorkers('its worker drained', (live) => live.length === 0);
  const syncedAfterRetire: string[] = [];
  const sync = h.gateway.syncApp.bind(h.gateway);
  // A pass reads the apps (the paused app among them), then the retire and the delete happen
  // before it plans them.
  await h.staleSnapshotOnce(async () => {
    await h.controller.retireApp(h.app.id);
    h.gateway.syncApp = (app) => (syncedAfterRetire.push(app.id), sync(app));
    await h.store.apps.delete(h.app.id);
  });
  await h.quiesce();
  // A route left behind would answer its requests with 503 "paused" for good, never 404.
  assert.equal(h.gateway.appName(h.app.id), undefined, 'the gateway forgot the deleted app');
  // Each sync of a removed app back in costs HAProxy a reload, and one more to take it out again.
  assert.deepEqual(syncedAfterRetire, [], 'the stale pass did not sync the retired app back in');
});

test('a manual scale-down answers once its worker takes nothing new, however slow the store records the drain', async (t) => {
  const h = await ControllerHarness.start(1);
  t.after(() => h.close());
  const [worker] = await h.waitWorkers('one ready worker', (live) => live.length === 1 && live.every(isReady));
  assert.ok(worker);
  // The drain's event waits, as a store under load may make it: the answer must not wait for it,
  // nor come before the gateway sends the worker nothing new (a request queued for the app would
  // take the place it frees).
  const addEvent = h.store.events.add.bind(h.store.events);
  let releaseEvents!: () => void;
  const eventsReleased = new Promise<void>((resolve) => (releaseEvents = resolve));
  h.store.events.add = async (...args) => {
    if (args[3].includes('is draining')) await eventsReleased;
    return addEvent(...args);
  };
  const scaling = new WorkerScaling({ store: h.store, apps: { find: () => h.currentApp() } as unknown as AppService, controller: h.controller, inflight: () => 0 });
  assert.deepEqual(await scaling.scaleDown(h.owner, 'default', 'race', { workerIds: [worker.id] }), [worker.id]);
  assert.equal(h.gateway.load(h.app.id, worker.id)?.draining, true, 'the gateway sends it nothing new');
  releaseEvents();
  await h.waitWorkers('the worker drained and gone', (live) => live.length === 0);
});
