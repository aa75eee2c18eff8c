import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decideFreeWorker, type FreeWorkerScalerArgs } from '../src/server/controller/autoscaler/free-worker-autoscaler';
import type { ScalingFactors, WorkerFactor } from '../src/server/controller/autoscaler/scaling-factors';
import { decideSimple, type SimpleScalerArgs } from '../src/server/controller/autoscaler/simple-autoscaler';

// The builtin autoscalers' decisions (docs/autoscaling.md) as tables: factors in, decision out.

type Expected = { action: 'up'; count: number } | { action: 'down'; workerIds: string[] } | { action: 'hold' };

let created = 0;
/** A worker; `idle` in seconds. Later calls are newer workers. */
const worker = (id: string, state: WorkerFactor['state'], { idle = 0, sessions = 0, inflight }: { idle?: number; sessions?: number; inflight?: number } = {}): WorkerFactor => ({
  id,
  state,
  inflight: inflight ?? (state === 'busy' ? 1 : 0),
  sessions,
  idleMs: idle * 1000,
  createdAt: new Date(Date.UTC(2025, 0, 1, 0, 0, created++)).toISOString(),
});

const factors = (workers: WorkerFactor[], queue: Partial<ScalingFactors['queue']> = {}): ScalingFactors => ({
  workers,
  queue: { WorkerBusy: 0, NotDispatch: 0, QueueDueSession: 0, ...queue },
});

function strip(decision: ReturnType<typeof decideSimple>): Expected {
  if (decision.action === 'up') return { action: 'up', count: decision.count };
  if (decision.action === 'down') return { action: 'down', workerIds: decision.workerIds };
  return { action: 'hold' };
}

const simple: SimpleScalerArgs = { minWorkers: 1, maxWorkers: 3, maxQueueSize: 1, scaleUpStep: 1, maxIdleTime: 3 };

const simpleCases: { name: string; args?: Partial<SimpleScalerArgs>; factors: ScalingFactors; expect: Expected }[] = [
  { name: 'below minWorkers: up to it at once', args: { minWorkers: 3 }, factors: factors([worker('a', 'free')]), expect: { action: 'up', count: 2 } },
  { name: 'below minWorkers even while one starts (it counts)', args: { minWorkers: 2 }, factors: factors([worker('a', 'starting')]), expect: { action: 'up', count: 1 } },
  { name: 'queue of busy-waiters above maxQueueSize: one step', factors: factors([worker('a', 'busy')], { WorkerBusy: 2 }), expect: { action: 'up', count: 1 } },
  { name: 'queue at maxQueueSize is not above it', factors: factors([worker('a', 'busy')], { WorkerBusy: 1 }), expect: { action: 'hold' } },
  { name: 'step capped at maxWorkers', args: { scaleUpStep: 5 }, factors: factors([worker('a', 'busy'), worker('b', 'busy')], { WorkerBusy: 9 }), expect: { action: 'up', count: 1 } },
  { name: 'at maxWorkers: no more', factors: factors([worker('a', 'busy'), worker('b', 'busy'), worker('c', 'busy')], { WorkerBusy: 9 }), expect: { action: 'hold' } },
  { name: 'never up while a worker is still starting', factors: factors([worker('a', 'busy'), worker('b', 'starting')], { WorkerBusy: 9 }), expect: { action: 'hold' } },
  { name: 'session waiters do not count as busy-waiters', factors: factors([worker('a', 'busy')], { QueueDueSession: 5 }), expect: { action: 'hold' } },
  { name: 'scaled to zero, a request waits: start one', args: { minWorkers: 0 }, factors: factors([], { NotDispatch: 1 }), expect: { action: 'up', count: 1 } },
  { name: 'scaled to zero, nothing waits: stay at zero', args: { minWorkers: 0 }, factors: factors([]), expect: { action: 'hold' } },
  {
    name: 'idle workers go newest first, never below minWorkers',
    factors: factors([worker('old', 'free', { idle: 10 }), worker('mid', 'free', { idle: 10 }), worker('new', 'free', { idle: 10 })]),
    expect: { action: 'down', workerIds: ['new', 'mid'] },
  },
  { name: 'idle less than maxIdleTime: stays', args: { minWorkers: 0 }, factors: factors([worker('a', 'free', { idle: 2 })]), expect: { action: 'hold' } },
  { name: 'a worker holding a fresh session stays', args: { minWorkers: 0 }, factors: factors([worker('a', 'free', { idle: 10, sessions: 1 })]), expect: { action: 'hold' } },
  { name: 'busy workers never go', args: { minWorkers: 0 }, factors: factors([worker('a', 'busy', { idle: 10 })]), expect: { action: 'hold' } },
  {
    name: 'free but serving (concurrency > 1) is not idle',
    args: { minWorkers: 0 },
    factors: factors([worker('a', 'free', { idle: 10, inflight: 1 })]),
    expect: { action: 'hold' },
  },
  {
    name: 'of two idle workers the one with a session stays',
    args: { minWorkers: 0 },
    factors: factors([worker('a', 'free', { idle: 10, sessions: 1 }), worker('b', 'free', { idle: 10 })]),
    expect: { action: 'down', workerIds: ['b'] },
  },
  { name: 'minWorkers 0: the last idle worker goes', args: { minWorkers: 0 }, factors: factors([worker('a', 'free', { idle: 10 })]), expect: { action: 'down', workerIds: ['a'] } },
  {
    name: 'no scale-down either while a worker starts (what it adds is not known yet)',
    args: { minWorkers: 0 },
    factors: factors([worker('a', 'free', { idle: 10 }), worker('b', 'starting')]),
    expect: { action: 'hold' },
  },
];

for (const c of simpleCases) {
  test(`SimpleAutoScaler: ${c.name}`, () => {
    assert.deepEqual(strip(decideSimple({ ...simple, ...c.args }, c.factors)), c.expect);
  });
}

const free: FreeWorkerScalerArgs = { minWorkers: 1, maxWorkers: 4, minFreeWorkers: 1, scaleUpStep: 2, maxIdleTime: 3 };

const freeCases: { name: string; args?: Partial<FreeWorkerScalerArgs>; factors: ScalingFactors; expect: Expected }[] = [
  { name: 'below minWorkers: up to it', args: { minWorkers: 2 }, factors: factors([]), expect: { action: 'up', count: 2 } },
  { name: 'fewer free than minFreeWorkers: one step', factors: factors([worker('a', 'busy')]), expect: { action: 'up', count: 2 } },
  { name: 'step capped at maxWorkers', factors: factors([worker('a', 'busy'), worker('b', 'busy'), worker('c', 'busy')]), expect: { action: 'up', count: 1 } },
  { name: 'enough free: hold', factors: factors([worker('a', 'busy'), worker('b', 'free')]), expect: { action: 'hold' } },
  { name: 'never up while a worker is still starting', factors: factors([worker('a', 'busy'), worker('b', 'starting')]), expect: { action: 'hold' } },
  {
    name: 'idle workers go, keeping minFreeWorkers free',
    factors: factors([worker('a', 'free', { idle: 10 }), worker('b', 'free', { idle: 10 }), worker('c', 'busy')]),
    expect: { action: 'down', workerIds: ['b'] },
  },
  {
    name: 'a worker holding a fresh session stays',
    args: { minFreeWorkers: 0 },
    factors: factors([worker('a', 'free', { idle: 10, sessions: 2 }), worker('b', 'free', { idle: 10, sessions: 1 })]),
    expect: { action: 'hold' },
  },
  { name: 'scaled to zero with minFreeWorkers 0, a request waits: start one', args: { minWorkers: 0, minFreeWorkers: 0 }, factors: factors([], { NotDispatch: 1 }), expect: { action: 'up', count: 2 } },
];

for (const c of freeCases) {
  test(`FreeWorkerAutoScaler: ${c.name}`, () => {
    assert.deepEqual(strip(decideFreeWorker({ ...free, ...c.args }, c.factors)), c.expect);
  });
}

test('every decision says why', () => {
  const decision = decideSimple(simple, factors([worker('a', 'busy')], { WorkerBusy: 4 }));
  assert.equal(decision.action, 'up');
  assert.equal(decision.reason, '4 requests wait for a busy worker, more than maxQueueSize 1');
});
