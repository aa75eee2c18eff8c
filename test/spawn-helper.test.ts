import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { SpawnHelper } from '../src/server/runtime/container/spawn-helper';

// conmon and `ip` are started from a small helper process: conmon's output goes to the log and its fd 3 comes back; ip's exit code and stderr come back.

const dir = mkdtempSync(join(tmpdir(), 'everai-spawn-helper-'));
const helper = new SpawnHelper();
after(() => {
  helper.close();
  rmSync(dir, { recursive: true, force: true });
});

test('the program writes into the log file, and its first line on fd 3 comes back', async () => {
  const output = join(dir, 'log');
  const syncLine = await helper.spawnDetached({
    kind: 'detached',
    file: 'sh',
    args: ['-c', 'echo out; echo err >&2; echo "{\\"data\\": 42}" >&3; echo more >&3'],
    cwd: dir,
    env: { PATH: process.env.PATH },
    output,
  });
  assert.equal(syncLine.split('\n')[0], '{"data": 42}');
  // The program may still be writing: its lines are there once it ended, which its fd 3 closing tells.
  const lines = () => readFileSync(output, 'utf8').split('\n').filter(Boolean).sort();
  for (let i = 0; i < 100 && lines().length < 2; i++) await new Promise((resolve) => setTimeout(resolve, 20));
  assert.deepEqual(lines(), ['err', 'out']);
});

test('a program that cannot start writes nothing back', async () => {
  const syncLine = await helper.spawnDetached({ kind: 'detached', file: join(dir, 'no-such-program'), args: [], cwd: dir, env: {}, output: join(dir, 'log2') });
  assert.equal(syncLine, '');
});

test('several at once each get their own answer', async () => {
  const lines = await Promise.all(
    [1, 2, 3].map((n) => helper.spawnDetached({ kind: 'detached', file: 'sh', args: ['-c', `echo ${n} >&3`], cwd: dir, env: { PATH: process.env.PATH }, output: join(dir, `log-${n}`) })),
  );
  assert.deepEqual(lines.map((line) => line.trim()), ['1', '2', '3']);
});

test('a program run to its end reads its input and gives back its exit code and stderr', async () => {
  assert.deepEqual(await helper.run('sh', ['-c', 'read line; echo "got $line" >&2; exit 3'], 'batch\n'), { code: 3, stderr: 'got batch\n' });
  assert.equal((await helper.run(join(dir, 'no-such-program'), [], '')).code, null);
});
