import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { copyExampleApp, deployApp, editFile, workersJson } from './helpers/app-fixture';
import { useNumericArgs } from './helpers/autoscale';
import { usePlatform } from './helpers/platform';
import { waitFor } from './helpers/wait';

// A worker serves at most its app's concurrency at once, also while the requests that waited for
// its cold start are sent to it and new ones keep coming.

/** The most requests the worker held at once so far, told with each answer. */
const HELD_ROUTE = `
let inflight = 0;
let most = 0;
app.service.route('/held', { methods: ['GET'] }, async (req: Request) => {
  most = Math.max(most, ++inflight);
  await sleep(Number(new URL(req.url).searchParams.get('ms') ?? 0));
  inflight--;
  return String(most);
});
`;

const platform = usePlatform();

// On HAProxy the Node gateway sends the requests it held straight to the new worker while HAProxy
// sends new ones up to its own maxconn: each counts only its own (docs/data-plane.md, "Not yet").
const onHaproxy = () => platform.log().includes('data plane: haproxy');

test('a cold start burst: the new worker never holds more than the app concurrency (1)', async (t) => {
  if (onHaproxy()) t.todo('HAProxy and the Node gateway each fill the new worker up to its concurrency');
  const dir = copyExampleApp(platform, 'autoscale');
  useNumericArgs(dir, { min_workers: 0, max_workers: 1, max_queue_size: 100, scale_up_step: 1, max_idle_time: 2 });
  editFile(join(dir, 'app.ts'), (text) => text.concat(HELD_ROUTE));
  await deployApp(platform, dir, 'autoscale');
  await waitFor('no worker left', async () => (await workersJson(platform, 'autoscale', false)).length === 0, 60_000, 300);

  const get = async () => {
    const res = await fetch(`${platform.url}/api/routes/v1/default/autoscale/held?ms=400`, { headers: { authorization: `Bearer ${platform.token}` } });
    const body = await res.text();
    assert.equal(res.status, 200, body);
    return Number(body);
  };
  // A burst at the app at zero, then a request every 100 ms while the held ones are sent on.
  const answers = Array.from({ length: 6 }, get);
  for (let i = 0; i < 10; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    answers.push(get());
  }
  const most = Math.max(...(await Promise.all(answers)));
  assert.equal(most, 1, `the worker held ${most} requests at once`);
});
