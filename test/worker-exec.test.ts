import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { cliOk, copyExampleApp, editFile, waitDeployed, workersJson } from './helpers/app-fixture';
import { runCli } from './helpers/cli';
import { pushDebianPythonImage } from './helpers/debian-image';
import { usePlatform } from './helpers/platform';
import { volumeJson, writeFiles } from './helpers/volumes';
import { addUser } from './helpers/users';

// `everai worker exec` (docs/exec.md) in a manifest app's worker, whose app.yaml also
// mounts a volume into the worker's folder (docs/manifest.md, "Mounts").

let worker: string;

const platform = usePlatform({
  setup: async () => {
    await cliOk(platform, ['volume', 'create', 'weights']);
    writeFiles((await volumeJson(platform, 'weights')).path, { 'model.txt': 'the weights' });
    await cliOk(platform, ['volume', 'push', 'weights']);
    const dir = copyExampleApp(platform, 'manifest-python');
    editFile(join(dir, 'app.yaml'), (text) =>
      text.replace(
        '  readinessProbe:',
        '  volumeMounts:\n    - {name: models, mountPath: /data/models, readOnly: true}\n  volumes:\n    - {name: models, volume: {volume: weights}}\n  readinessProbe:',
      ),
    );
    // The program and `sh` come from an image with its own userland.
    await cliOk(platform, ['image', 'build', '--base', await pushDebianPythonImage(platform)], dir);
    await cliOk(platform, ['app', 'create'], dir);
    await waitDeployed(platform, 'manifest-python');
    worker = (await workersJson(platform, 'manifest-python', false))[0]?.id ?? assert.fail('no worker');
  },
});

test("exec runs in the worker's folder with its env and mounts, and returns the exit code", async () => {
  const env = await platform.cli(['worker', 'exec', worker, 'sh', '-c', 'echo "$GREETING"; cat data/models/model.txt; echo; echo "$EVERAI_MOUNTS"']);
  assert.equal(env.code, 0, env.stderr);
  const [greeting, weights, mounts] = env.stdout.split('\n');
  assert.equal(greeting, 'hello from app.yaml');
  assert.equal(weights, 'the weights');
  assert.match(mounts ?? '', /^\{"data\/models":"\/.+\/data\/models"\}$/);
  // The image's files are there too, beside the mount.
  assert.equal((await platform.cli(['worker', 'exec', worker, 'ls', 'server.py'])).stdout, 'server.py\n');

  const seven = await platform.cli(['worker', 'exec', worker, 'sh', '-c', 'echo oops >&2; exit 7']);
  assert.equal(seven.code, 7);
  assert.equal(seven.stderr, 'oops\n');
  // Under `app worker` too.
  assert.equal((await platform.cli(['app', 'worker', 'exec', worker, 'false'])).code, 1);
});

test('exec -i passes stdin; -t gives a terminal of the window size asked', async () => {
  const piped = await platform.cli(['worker', 'exec', '-i', worker, 'sh', '-c', 'tr a-z A-Z; echo done'], { input: 'from stdin\n' });
  assert.equal(piped.code, 0, piped.stderr);
  assert.equal(piped.stdout, 'FROM STDIN\ndone\n');
  // Without -i, stdin is closed: cat ends at once.
  assert.equal((await platform.cli(['worker', 'exec', worker, 'cat'], { input: 'ignored\n' })).stdout, '');

  const tty = await platform.cli(['worker', 'exec', '-t', worker, 'sh', '-c', 'tty; stty size']);
  assert.equal(tty.code, 0, tty.stderr);
  // A terminal ends lines with \r\n; the first line may come as \r\r\n while the terminal is still
  // being set up (util-linux script), which a screen shows the same: split as a terminal shows it.
  const [device, size] = tty.stdout.split(/\r*\n/);
  assert.match(device ?? '', /^\/dev\/pts\/\d+$/);
  assert.equal(size, '24 80');
  assert.equal((await platform.cli(['worker', 'exec', worker, 'tty'])).stdout, 'not a tty\n');
});

test("another user's worker and a missing one are refused in one line, and a command is required", async () => {
  const token = await addUser(platform, 'mallory');
  const other = await runCli(['worker', 'exec', worker, 'id'], { env: { ...platform.env, EVERAI_TOKEN: token } });
  assert.equal(other.code, 4);
  assert.equal(other.stderr, `Error: worker '${worker}' not found\n`);
  const missing = await platform.cli(['worker', 'exec', 'nosuchworker', 'id']);
  assert.equal(missing.stderr, "Error: worker 'nosuchworker' not found\n");
  const noCommand = await platform.cli(['worker', 'exec', worker]);
  assert.notEqual(noCommand.code, 0);
  assert.match(noCommand.stderr, /missing required argument 'command'/);
});
