import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { MachineResources } from '../src/server/resources/machine-resources';
import { appJson, cliOk, copyExampleApp, deployApp, editFile, workersJson } from './helpers/app-fixture';
import { waitWorkerCount } from './helpers/autoscale';
import { usePlatform } from './helpers/platform';

const platform = usePlatform();

const api = async (path: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> => {
  const res = await fetch(`${platform.url}/api/apps/v1/namespaces/default/apps/get-start${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${platform.token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
};

test('manual scaling: workers:scale-up answers the new workerIds, scale-down drains the named worker', async () => {
  const dir = copyExampleApp(platform);
  await deployApp(platform, dir);
  const [first] = await workersJson(platform, 'get-start', false);
  assert.ok(first);
  assert.deepEqual([first.CPUs, first.memory, first.GPUs], [1, 1024, 0], 'the default resource requests');

  // The reference API sends the count as a string.
  const up = await api('/workers:scale-up', { scaleUpWorkersNum: '2' });
  assert.equal(up.status, 200);
  assert.deepEqual(Object.keys(up.json), ['workerIds']);
  const added = up.json.workerIds as string[];
  assert.equal(added.length, 2);
  assert.ok(added.every((id) => typeof id === 'string' && id !== first.id));
  const three = await waitWorkerCount(platform, 'get-start', 3);
  assert.deepEqual([...three].sort(), [first.id, ...added].sort());

  const down = await api('/workers:scale-down', { workerIds: [added[0]] });
  assert.deepEqual(down, { status: 200, json: { workerIds: [added[0]] } });
  await waitWorkerCount(platform, 'get-start', 2);
  const gone = (await workersJson(platform, 'get-start')).find((w) => w.id === added[0]);
  assert.equal(gone?.status, 'STATUS_TERMINATED');
  assert.match(await cliOk(platform, ['app', 'events', 'get-start']), /NORMAL\s+API\s+\S+\s+Scale down: 3 -> 2 workers/);

  // The CLI: by count, idle workers go first.
  assert.match(await cliOk(platform, ['worker', 'scale-down', 'get-start', '--num', '1']), /^Draining 1 workers of app 'get-start': \S+/);
  await waitWorkerCount(platform, 'get-start', 1);
  assert.match(await cliOk(platform, ['worker', 'scale-up', 'get-start', '--num', '1']), /^Starting 1 more workers of app 'get-start': \S+/);
  await waitWorkerCount(platform, 'get-start', 2);

  // Bad input: a clear error, nothing changed.
  const unknown = await api('/workers:scale-down', { workerIds: ['no-such-worker'] });
  assert.equal(unknown.status, 404);
  assert.match(JSON.stringify(unknown.json), /worker 'no-such-worker' is not a running worker of app 'get-start'/);
  const zero = await api('/workers:scale-up', { scaleUpWorkersNum: 0 });
  assert.equal(zero.status, 400);
  assert.match(JSON.stringify(zero.json), /scaleUpWorkersNum: must be at least 1/);
  assert.equal((await appJson(platform, 'get-start')).workers.desired, 2);
});

test('everai resources shows what workers can get; a request no machine could fit is refused', async () => {
  const resources = JSON.parse(await cliOk(platform, ['resources', '-o', 'json'])) as MachineResources;
  assert.equal(resources.region, 'local');
  assert.ok(resources.cpu.count >= 1 && resources.memoryMb > 0);
  const table = await cliOk(platform, ['resources', '-c']);
  assert.match(table, /^CPUs\nCPU_MODEL\s+CPUS\s+MEMORY_MB\s+REGION\n/);
  assert.match(table, new RegExp(`\\s${resources.cpu.count}\\s+${resources.memoryMb}\\s+local\\n?$`));
  assert.match(await cliOk(platform, ['resources', '-g']), /^GPUs.*\nGPU_MODEL\s+MEMORY_MB\s+COUNT\s+REGION\n/);
  assert.match(await cliOk(platform, ['resources', '-r']), /^Regions\nREGION\n-+\nlocal\n?$/);

  const dir = copyExampleApp(platform);
  editFile(join(dir, 'app.ts'), (text) =>
    text
      .replace("import { App, Image } from 'everai';", "import { App, Image, ResourceRequests } from 'everai';")
      .replace('image: Image.fromRegistry(IMAGE),', `image: Image.fromRegistry(IMAGE),\n  resourceRequests: new ResourceRequests({ gpuNum: ${resources.gpus.length + 1} }),`),
  );
  const refused = await platform.cli(['app', 'update'], { cwd: dir });
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, new RegExp(`^Error: no machine can run a worker of this app: it asks for ${resources.gpus.length + 1} GPUs \\(the machine has .+\\); see \`everai resources\`\\n$`));
  assert.equal((await appJson(platform, 'get-start')).revision, 1, 'nothing changed');
});
