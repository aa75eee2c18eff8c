import assert from 'node:assert/strict';
import { test } from 'node:test';
import { failedLike, rollbackTarget, servingLike, stableBefore, type RevisionHistory } from '../src/server/apps/revision-history';
import type { AppRecord, AppStatus } from '../src/server/store/records';
import { withSpecDefaults } from '../src/server/store/revision-spec-defaults';
import { app, NOW, user } from './helpers/store-records';

// Which revision an app goes back to, and what it may roll out again (docs/rollout.md): tables of
// histories, as the store and the live workers give them.

const spec = (tag: string, digest = `sha256:${tag}`) => withSpecDefaults({ imageRef: `get-start:${tag}`, imageDigest: digest });

/** Revisions 1..n running image v1..vn, with `serving` and `failed` as given. */
function history(n: number, serving: number[], failed: number[] = []): RevisionHistory {
  return {
    revisions: Array.from({ length: n }, (_, i) => ({ appId: 'a', revision: i + 1, spec: spec(`v${i + 1}`), createdAt: NOW })),
    serving: new Set(serving),
    failures: new Map(failed.map((r) => [r, `revision ${r} failed 3 times in a row: boom`])),
  };
}

function appAt(targetRevision: number, stableRevision: number, status: AppStatus): AppRecord {
  return { ...app(user('owner'), 'get-start'), targetRevision, stableRevision, status };
}

test('a plain rollback goes to the revision that served before the last rollout', () => {
  const cases: { what: string; app: AppRecord; history: RevisionHistory; to: number | undefined }[] = [
    { what: 'deployed on 3 after a rollout from 2', app: appAt(3, 2, 'DEPLOYED'), history: history(3, [3]), to: 2 },
    { what: 'a rollout to 3 under way, 2 serving', app: appAt(3, 2, 'PREPARING'), history: history(3, [2]), to: 2 },
    { what: '3 halted, the target back on 2: the failure ends there, no skipping back to 1', app: appAt(2, 2, 'FAILED'), history: history(3, [2], [3]), to: 2 },
    { what: 'deployed on 4, upgraded from 2 after 3 failed: not the failed 3', app: appAt(4, 2, 'DEPLOYED'), history: history(4, [4], [3]), to: 2 },
    { what: 'no rollout on record: the newest earlier revision that did not fail', app: appAt(4, 4, 'DEPLOYED'), history: history(4, [4], [3]), to: 2 },
    { what: 'a first revision: nothing to go back to', app: appAt(1, 0, 'DEPLOYED'), history: history(1, [1]), to: undefined },
    { what: 'a first revision that halted: nothing to go back to', app: appAt(1, 0, 'FAILED'), history: history(1, [], [1]), to: undefined },
  ];
  for (const c of cases) assert.equal(rollbackTarget(c.app, c.history), c.to, c.what);
});

test('a rollout goes back, if it halts, to the target when that is all that serves; else to where the last would have', () => {
  const cases: { what: string; app: AppRecord; history: RevisionHistory; stable: number }[] = [
    { what: 'deployed on 2', app: appAt(2, 1, 'DEPLOYED'), history: history(2, [2]), stable: 2 },
    { what: 'deployed on 2, a worker being replaced (PREPARING): still 2', app: appAt(2, 1, 'PREPARING'), history: history(2, [2]), stable: 2 },
    { what: 'halted back on 2', app: appAt(2, 2, 'FAILED'), history: history(3, [2], [3]), stable: 2 },
    { what: 'a rollout to 3 under way, 2 and 3 both serving', app: appAt(3, 2, 'PREPARING'), history: history(3, [2, 3]), stable: 2 },
    { what: 'paused: nothing serves', app: appAt(2, 1, 'PAUSED'), history: history(2, []), stable: 1 },
  ];
  for (const c of cases) assert.equal(stableBefore(c.app, c.history), c.stable, c.what);
});

test('what a failed revision ran is found whatever tag its image was written as', () => {
  const h = history(3, [1], [2]);
  assert.equal(failedLike(h, { ...spec('v2'), imageRef: 'get-start:v2-again' })?.revision, 2, 'the same digest under a new tag');
  assert.equal(failedLike(h, { ...spec('v2'), resources: { ...spec('v2').resources, memoryMb: 4096 } }), undefined, 'more memory is something else');
  assert.equal(failedLike(h, spec('v3')), undefined, 'revision 3 did not fail');
});

test('a revision that serves beside the target and pins the same is found; the target is not', () => {
  const h = history(3, [2, 3]);
  const target = appAt(3, 2, 'PREPARING');
  assert.equal(servingLike(h, target, spec('v2'))?.revision, 2);
  assert.equal(servingLike(h, target, spec('v3')), undefined, 'the target itself');
  assert.equal(servingLike(h, target, spec('v1')), undefined, 'revision 1 serves no more');
});
