import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { appJson, cliOk, copyExampleApp, waitDeployed } from './helpers/app-fixture';
import { runCli } from './helpers/cli';
import { DEBIAN_IMAGE_MISSING, pushDebianPythonImage } from './helpers/debian-image';
import { startLoop } from './helpers/load';
import { usePlatform } from './helpers/platform';

// Manifest mode (docs/manifest.md): a Python program (standard library only, examples/manifest-python)
// deployed from app.yaml through the real CLI, and app.yaml mistakes caught before anything is made.

let dir: string;
const platform = usePlatform({
  setup: async () => {
    dir = copyExampleApp(platform, 'manifest-python');
  },
});

interface Answer {
  path: string;
  query: string;
  greeting: string;
  servedBeforeReady: number;
}

async function get(path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  const res = await fetch(`${platform.url}/api/routes/v1/default/manifest-python${path}`, {
    headers: { authorization: `Bearer ${platform.token}`, ...headers },
  });
  return { status: res.status, body: await res.text() };
}

test('a Python program deployed from app.yaml: PORT, env, the route, and no request before its probe says ready', { skip: DEBIAN_IMAGE_MISSING }, async () => {
  // The folder holds only server.py: it goes on an image that has python3.
  const base = await pushDebianPythonImage(platform);
  assert.match(await cliOk(platform, ['app', 'check'], dir), /^App 'manifest-python' \(app\.yaml\) is valid: image manifest-python:v1, port 8080 \(services 8080, 8081\)/);
  await cliOk(platform, ['image', 'build', '--base', base], dir);
  assert.match(await cliOk(platform, ['app', 'create'], dir), /App 'manifest-python' created in namespace 'default'/);
  // Requests sent while the worker starts (its probe answers 503 for a second) wait in the queue.
  const loop = startLoop(`${platform.url}/api/routes/v1/default/manifest-python/early`, platform.token, 2);
  // Stopped whatever happens: a loop left running would keep the test process alive.
  const early = await waitDeployed(platform, 'manifest-python').then(
    () => loop.stop(),
    async (error: unknown) => {
      await loop.stop();
      throw error;
    },
  );
  assert.deepEqual(early.failures, []);
  assert.ok(early.ok > 0);
  for (const body of early.bodies) assert.equal((JSON.parse(body) as Answer).servedBeforeReady, 0, body);

  const answer = await get('/hello/there?x=1&y=two%20words');
  assert.equal(answer.status, 200);
  assert.deepEqual(
    { ...(JSON.parse(answer.body) as Answer), cwd: undefined },
    { path: '/hello/there', query: 'x=1&y=two%20words', greeting: 'hello from app.yaml', servedBeforeReady: 0, cwd: undefined },
  );

  // A second declared port, chosen by header; an undeclared one is a clear 404.
  assert.deepEqual(JSON.parse((await get('/stats', { 'x-everai-port': '8081' })).body), { admin: true, path: '/stats' });
  const undeclared = await get('/', { 'x-everai-port': '9999' });
  assert.equal(undeclared.status, 404);
  assert.match(undeclared.body, /app 'manifest-python' declares no service port 9999/);

  const events = await cliOk(platform, ['app', 'events', 'manifest-python']);
  assert.match(events, /App created with revision 1 \(image manifest-python:v1 = sha256:[0-9a-f]{64}, command \["python3","server\.py"\]\)/);
  assert.match(events, /is ready now/);
});

test('a malformed app.yaml fails with the file, line and field, no stack trace, and nothing is created', async () => {
  const cases: [string, string, RegExp][] = [
    ['bad YAML', 'version: everai/v1alpha1\nkind: App\nmetadata:\n  name: broken\nspec:\n  image: broken:v1\n  command: [python3, server.py\n', /^Error: app\.yaml:\d+: not valid YAML: .+\n$/],
    ['a wrong type', 'version: everai/v1alpha1\nkind: App\nmetadata:\n  name: broken\nspec:\n  image: broken:v1\n  port: eighty\n', /^Error: app\.yaml:7: spec\.port: Invalid input: expected number, received string\n$/],
  ];
  for (const [what, text, expected] of cases) {
    writeFileSync(join(dir, 'app.yaml'), text);
    for (const args of [['app', 'create'], ['app', 'check'], ['image', 'build']]) {
      const result = await platform.cli(args, { cwd: dir });
      assert.notEqual(result.code, 0, `${what}: everai ${args.join(' ')} succeeded`);
      assert.match(result.stderr, expected, `${what}: everai ${args.join(' ')}`);
    }
  }
  // -f names the file in the message as given.
  writeFileSync(join(dir, 'other.yaml'), 'version: everai/v1alpha1\nkind: App\nmetadata:\n  name: broken\nspec:\n  image: 7\n');
  const other = await platform.cli(['app', 'create', '-f', 'other.yaml'], { cwd: dir });
  assert.match(other.stderr, /^Error: other\.yaml:6: spec\.image: Invalid input: expected string, received number\n$/);
  assert.equal(await appJson(platform, 'broken'), undefined);
});

test('image build in a folder with a Dockerfile says clearly when neither buildah nor docker is installed', async () => {
  const folder = copyExampleApp(platform, 'manifest-python');
  writeFileSync(join(folder, 'Dockerfile'), 'FROM scratch\nCOPY . /app\n');
  // A PATH with neither tool on it; the CLI itself needs no PATH.
  const env = { ...platform.env, PATH: '/nonexistent' };
  const forced = await runCli(['image', 'build', '--builder', 'buildah'], { cwd: folder, env });
  assert.equal(forced.code, 2);
  assert.equal(
    forced.stderr,
    'Error: buildah is not installed on this machine (installed: neither buildah nor docker); leave --builder out to pack the folder as an everai image\n',
  );
  const packed = await runCli(['image', 'build'], { cwd: folder, env });
  assert.equal(packed.code, 0, packed.stderr);
  assert.match(packed.stderr, /^note: this folder has a Dockerfile, but neither buildah nor docker is installed here: the folder is packed as it is$/m);
});
