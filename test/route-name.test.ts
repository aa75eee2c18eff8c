import assert from 'node:assert/strict';
import { test } from 'node:test';
import { routeNameCandidates } from '../src/server/apps/route-name';

// docs/tenancy.md, "Routes": the app's name while free, then qualified by namespace, then owner.

test('route name candidates, best first', () => {
  const cases: [app: string, namespace: string, owner: string, candidates: string[]][] = [
    ['get-start', 'default', 'alice', ['get-start', 'get-start-alice']],
    ['get-start', 'dev', 'alice', ['get-start', 'get-start-dev', 'get-start-dev-alice']],
    ['get-start', 'default', 'bob', ['get-start', 'get-start-bob']],
  ];
  for (const [app, namespace, owner, candidates] of cases) {
    assert.deepEqual(routeNameCandidates(app, namespace, owner), candidates, `${owner}'s ${namespace}/${app}`);
  }
});
