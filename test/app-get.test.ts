import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { AppView } from '../src/contract/api-views';
import { cliOk, copyExampleApp, deployApp, editFile } from './helpers/app-fixture';
import { usePlatform } from './helpers/platform';

// What a user needs after deploying: `app get` says how the app runs and where to curl it, and
// `everai token` gives the token that curl needs.

let dir: string;
let volumeRevision: string;
const platform = usePlatform({
  setup: async () => {
    dir = copyExampleApp(platform, 'show-volume');
    editFile(join(dir, 'app.ts'), (text) =>
      text
        .replace("import { App, Image, VolumeRequest, context } from 'everai';", "import { App, Image, SimpleAutoScaler, VolumeRequest, context } from 'everai';")
        .replace(
          'volumeRequests: [new VolumeRequest(VOLUME_NAME)],',
          'volumeRequests: [new VolumeRequest(VOLUME_NAME)],\n  autoscaler: new SimpleAutoScaler({ minWorkers: 1, maxWorkers: 3, maxQueueSize: 2, maxIdleTime: 90 }),',
        ),
    );
    await cliOk(platform, ['volume', 'create', 'get-start-volume']);
    await cliOk(platform, ['app', 'prepare'], dir);
    volumeRevision = /revision: (\d{6}-[0-9a-f]{3})/.exec(await cliOk(platform, ['volume', 'get', 'get-start-volume']))?.[1] ?? '';
    await deployApp(platform, dir, 'show-volume');
  },
});

/** `Label:  value` of a detail view, at any depth. */
function field(view: string, label: string): string {
  const match = new RegExp(`^ *${label}:  +(.*)$`, 'm').exec(view);
  return match?.[1] ?? assert.fail(`no '${label}:' line in:\n${view}`);
}

test('app get shows one deployed app in detail: status, revisions, image, route URL, volumes, resources, autoscaler, workers', async () => {
  const view = await cliOk(platform, ['app', 'get', 'show-volume']);
  const app = JSON.parse(await cliOk(platform, ['app', 'get', 'show-volume', '-o', 'json'])) as AppView;
  assert.equal(field(view, 'Name'), 'show-volume');
  assert.equal(field(view, 'Namespace'), 'default');
  assert.equal(field(view, 'Status'), 'DEPLOYED');
  assert.doesNotMatch(view, /^Reason:/m, 'no reason when nothing failed');
  assert.equal(field(view, 'Revision'), '1');
  assert.equal(field(view, 'Serving'), 'revision 1');
  assert.equal(field(view, 'Image'), 'show-volume:v1');
  assert.equal(field(view, 'Image digest'), app.imageDigest);
  assert.match(app.imageDigest, /^sha256:[0-9a-f]{64}$/);
  assert.equal(field(view, 'Route name'), 'show-volume');
  assert.equal(field(view, 'URL'), `${platform.url}/api/apps/v1/routes/show-volume/`);
  assert.match(field(view, 'Route auth'), /^private .*`everai token`/);
  assert.match(view, new RegExp(`^Volumes:\\n  get-start-volume:  ${volumeRevision}$`, 'm'));
  assert.equal(field(view, 'Resources'), '1 CPU, 1024 MiB memory, 0 GPUs');
  assert.equal(field(view, 'Autoscaler'), 'SimpleAutoScaler');
  assert.equal(field(view, 'Min workers'), '1');
  assert.equal(field(view, 'Max workers'), '3');
  assert.equal(field(view, 'Max queue size'), '2');
  assert.equal(field(view, 'Max idle time'), '90 s');
  assert.equal(field(view, 'Workers'), '1/1 ready');
  assert.equal(field(view, 'RUNNING'), '1');
  assert.match(field(view, 'Created at'), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0000$/);
  // Aligned: every top-level value starts in one column.
  const columns = new Set(view.split('\n').filter((line) => /^\S[^:]*: +\S/.test(line)).map((line) => /^[^:]*: +/.exec(line)?.[0].length));
  assert.equal(columns.size, 1, `values in one column:\n${view}`);
});

test('app get -o json and -o yaml give one object, the whole app view', async () => {
  const json = JSON.parse(await cliOk(platform, ['app', 'get', 'show-volume', '-o', 'json'])) as AppView;
  assert.ok(!Array.isArray(json));
  assert.equal(json.name, 'show-volume');
  assert.deepEqual(json.servingRevisions, [1]);
  assert.deepEqual(json.volumes, [{ name: 'get-start-volume', revision: volumeRevision }]);
  assert.deepEqual(json.resources, { cpuNum: 1, memoryMb: 1024, gpuNum: 0, gpuConstraints: null });
  assert.equal(json.autoscaler?.kind, 'SimpleAutoScaler');
  assert.deepEqual(json.workers, { ready: 1, desired: 1, byStatus: { RUNNING: 1 } });
  const yaml = parseYaml(await cliOk(platform, ['app', 'get', 'show-volume', '-o', 'yaml'])) as AppView;
  assert.deepEqual(yaml, json);
});

test('everai token shows the logged-in token and how to send it; the URL app get shows answers with it', async () => {
  const shown = await cliOk(platform, ['token']);
  assert.equal(field(shown, 'Token'), platform.token);
  assert.equal(field(shown, 'Endpoint'), platform.url);
  assert.match(field(shown, 'From'), /^everai login /);
  assert.equal(field(shown, 'Use it as'), `curl -H "Authorization: Bearer ${platform.token}" ${platform.url}/api/apps/v1/routes/ROUTE_NAME/PATH`);
  assert.equal(await cliOk(platform, ['token', '-q']), `${platform.token}\n`);

  const url = field(await cliOk(platform, ['app', 'get', 'show-volume']), 'URL');
  const res = await fetch(`${url}show-volume`, { headers: { authorization: `Bearer ${(await cliOk(platform, ['token', '-q'])).trim()}` } });
  assert.deepEqual([res.status, await res.text()], [200, 'hello world\n']);
  assert.doesNotMatch(await cliOk(platform, ['app', 'get', 'show-volume']), new RegExp(platform.token), 'app get never prints the token');
});

test('commands given a NAME never load the app in the current folder, even a broken one', async () => {
  const broken = copyExampleApp(platform);
  editFile(join(broken, 'app.ts'), (text) => `throw new Error('half-edited app.ts');\n${text}`);
  const commands = [
    ['app', 'get', 'show-volume'],
    ['app', 'events', 'show-volume'],
    ['app', 'revisions', 'show-volume'],
    ['app', 'queue', 'show-volume'],
    ['app', 'logs', 'show-volume'],
    ['worker', 'list', 'show-volume'],
  ];
  for (const args of commands) {
    const result = await platform.cli(args, { cwd: broken });
    assert.equal(result.code, 0, `everai ${args.join(' ')} in a folder with a broken app.ts failed:\n${result.stderr}`);
  }
  // Without the name, the folder's app is what the command is about: its error is the answer.
  const unnamed = await platform.cli(['app', 'events'], { cwd: broken });
  assert.equal(unnamed.code, 2);
  assert.match(unnamed.stderr, /half-edited app\.ts/);
});
