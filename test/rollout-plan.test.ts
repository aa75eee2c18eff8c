import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planRollout, type PlannedWorker } from '../src/server/controller/rollout-plan';

const w = (id: string, revision: number, phase: PlannedWorker['phase']): PlannedWorker => ({ id, revision, phase });

test('a new app starts its desired workers', () => {
  assert.deepEqual(planRollout(2, 1, []), { create: 2, drain: [], converged: false });
});

test('an old worker keeps serving until its replacement is ready', () => {
  assert.deepEqual(planRollout(1, 2, [w('old', 1, 'READY')]), { create: 1, drain: [], converged: false });
  assert.deepEqual(planRollout(1, 2, [w('old', 1, 'READY'), w('new', 2, 'UNSPECIFIED')]), {
    create: 0,
    drain: [],
    converged: false,
  });
});

test('once the new worker is ready the old one turns REMOVE', () => {
  assert.deepEqual(planRollout(1, 2, [w('old', 1, 'READY'), w('new', 2, 'READY')]), {
    create: 0,
    drain: ['old'],
    converged: false,
  });
});

test('a draining old worker keeps the app from converging until it is gone', () => {
  assert.equal(planRollout(1, 2, [w('old', 1, 'REMOVE'), w('new', 2, 'READY')]).converged, false);
  assert.equal(planRollout(1, 2, [w('new', 2, 'READY')]).converged, true);
});

test('old workers are replaced one per ready new worker', () => {
  const live = [w('o1', 1, 'READY'), w('o2', 1, 'READY'), w('n1', 2, 'READY'), w('n2', 2, 'IN_FLIGHT')];
  assert.deepEqual(planRollout(2, 2, live), { create: 0, drain: ['o1'], converged: false });
});

test('pausing (desired 0) drains everything', () => {
  assert.deepEqual(planRollout(0, 1, [w('a', 1, 'READY'), w('b', 1, 'UNSPECIFIED')]).drain.sort(), ['a', 'b']);
});

test('surplus target workers go not-ready first', () => {
  assert.deepEqual(planRollout(1, 1, [w('a', 1, 'READY'), w('b', 1, 'IN_FLIGHT')]).drain, ['b']);
});
