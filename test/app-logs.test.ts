import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cliOk, copyExampleApp, deployApp } from './helpers/app-fixture';
import { waitWorkerCount } from './helpers/autoscale';
import { startCli } from './helpers/cli';
import { usePlatform } from './helpers/platform';
import { waitFor } from './helpers/wait';

// What the workers of an app print, as a user reads it: `app logs` across workers, with times and
// worker ids, `worker logs --timestamps`, following with -f; and the server's access log of what
// the gateway serves. At debug level, so the API's own requests are logged too.

let workers: string[] = [];
const platform = usePlatform({
  serverArgs: ['--log-level', 'debug'],
  setup: async () => {
    await deployApp(platform, copyExampleApp(platform));
    await cliOk(platform, ['worker', 'scale-up', 'get-start', '--num', '1']);
    workers = await waitWorkerCount(platform, 'get-start', 2);
  },
});

const RFC3339_MS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

interface ShownLine {
  time: string;
  worker: string;
  text: string;
}

function parseAppLogs(out: string): ShownLine[] {
  return out
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [, time = '', worker = '', text = ''] = /^(\S+)  (\S+)  (.*)$/.exec(line) ?? assert.fail(`not TIME  WORKER  LINE: ${line}`);
      return { time, worker, text };
    });
}

const servingLine = (lines: ShownLine[], worker: string) => lines.find((l) => l.worker === worker && l.text.startsWith(`worker ${worker}: serving app get-start on `));

test('app logs shows the lines of every worker with its time and worker id, in time order; --since filters', async () => {
  const lines = parseAppLogs(await cliOk(platform, ['app', 'logs', 'get-start']));
  assert.ok(lines.every((l) => RFC3339_MS.test(l.time)), 'each line has its RFC 3339 time');
  assert.deepEqual([...lines.map((l) => l.time)].sort(), lines.map((l) => l.time), 'in time order');
  assert.deepEqual([...new Set(lines.map((l) => l.worker))].sort(), [...workers].sort(), 'both workers');
  const [first, second] = workers.map((id) => servingLine(lines, id) ?? assert.fail(`no serving line of ${id} in:\n${JSON.stringify(lines)}`)).sort((a, b) => (a.time < b.time ? -1 : 1));
  assert.ok(first && second && first.time < second.time, 'the scaled-up worker started later');

  const since = parseAppLogs(await cliOk(platform, ['app', 'logs', 'get-start', '--since', second.time]));
  assert.ok(since.every((l) => l.time >= second.time));
  assert.deepEqual([servingLine(since, second.worker), servingLine(since, first.worker)], [second, undefined]);
  const lastHour = parseAppLogs(await cliOk(platform, ['app', 'logs', 'get-start', '--since', '1h']));
  assert.deepEqual([servingLine(lastHour, first.worker), servingLine(lastHour, second.worker)], [first, second]);

  const bad = await platform.cli(['app', 'logs', 'get-start', '--since', 'yesterday']);
  assert.equal(bad.code, 2);
  assert.equal(bad.stderr, "Error: --since wants a duration (30s, 10m, 2h) or a time (2024-07-05T08:41:49Z), got 'yesterday'\n");
});

test('worker logs shows the lines as printed; --timestamps puts the time each arrived before it', async () => {
  const [worker = ''] = workers;
  const plain = await cliOk(platform, ['worker', 'logs', worker]);
  assert.match(plain, new RegExp(`^worker ${worker}: serving app get-start on `, 'm'));
  const stamped = (await cliOk(platform, ['worker', 'logs', worker, '--timestamps'])).split('\n').filter(Boolean);
  assert.deepEqual(
    stamped.map((line) => line.slice(line.indexOf(' ') + 1)),
    plain.split('\n').filter(Boolean),
    'the same lines, each after its time',
  );
  assert.ok(stamped.every((line) => RFC3339_MS.test(line.slice(0, line.indexOf(' ')))));
  const serving = servingLine(parseAppLogs(await cliOk(platform, ['app', 'logs', 'get-start'])), worker);
  assert.ok(stamped.includes(`${serving?.time} ${serving?.text}`), 'the time app logs shows');
});

test('app logs -f follows: a worker started meanwhile joins in; Ctrl-C ends it, on the server too; its lines stay after it ends', async () => {
  const follower = startCli(['app', 'logs', 'get-start', '-f'], { env: platform.env });
  try {
    await waitFor('the lines so far', async () => workers.every((id) => follower.stdout().includes(`worker ${id}: serving app`)));
    const added = /: (\S+)$/.exec((await cliOk(platform, ['worker', 'scale-up', 'get-start', '--num', '1'])).trim())?.[1] ?? '';
    const line = await waitFor('the new worker in the followed log', async () => servingLine(parseAppLogs(follower.stdout()), added));
    assert.match(line.time, RFC3339_MS);

    follower.child.kill('SIGINT');
    const ended = await follower.exited;
    assert.ok(ended.signal === 'SIGINT' || ended.code === 130, `ended by Ctrl-C: ${JSON.stringify(ended)}`);
    // The server ended the stream when the client went: its access line is written at the end.
    await waitFor('the followed stream logged as ended', async () =>
      /DEBUG access: request method=GET path=\/api\/apps\/v1\/namespaces\/default\/apps\/get-start\/logs status=200 durationMs=\d+ bytes=\d+ aborted=true/.test(platform.log()),
    );

    await cliOk(platform, ['worker', 'scale-down', 'get-start', added]);
    await waitWorkerCount(platform, 'get-start', 2);
    const after = parseAppLogs(await cliOk(platform, ['app', 'logs', 'get-start']));
    assert.ok(after.some((l) => l.worker === added && l.text === `worker ${added}: drained, exiting`), 'a terminated worker\'s lines are still there');
  } finally {
    follower.child.kill('SIGKILL');
  }
});

test('the access log has a line for each request the gateway serves: app, route, worker, method, path, status, duration, bytes', async () => {
  const res = await fetch(`${platform.url}/api/apps/v1/routes/get-start/hello?secret=1`, { headers: { authorization: `Bearer ${platform.token}` } });
  assert.deepEqual([res.status, await res.text()], [200, 'hello world']);
  const line = await waitFor('the access line', async () =>
    /^\S+ INFO access: request method=GET path=\/api\/apps\/v1\/routes\/get-start\/hello status=200 app=default\/get-start route=get-start worker=(\S+) durationMs=\d+ bytes=(\d+)$/m.exec(platform.log()) ?? undefined,
  );
  assert.ok(workers.includes(line[1] ?? ''), 'the worker that answered');
  assert.ok(Number(line[2]) > 'hello world'.length, 'bytes sent, headers included');
  assert.doesNotMatch(platform.log(), /secret=1/, 'the query is not logged');

  assert.equal((await fetch(`${platform.url}/api/apps/v1/routes/no-such-app/`)).status, 404);
  await waitFor('the 404 access line', async () => /INFO access: request method=GET path=\/api\/apps\/v1\/routes\/no-such-app\/ status=404 durationMs=\d+ bytes=\d+$/m.test(platform.log()));
});
