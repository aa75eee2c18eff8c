import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { VERSION } from '../src/contract/version';
import { EVERAI_LAUNCHER, PATH_WITH_THIS_NODE, SERVER_NODE_FLAGS } from './helpers/cli';

// `everai` as npm installs it: a symlink to bin/everai, which runs everai.js beside itself, giving
// the server its node flags and no other command.

test('the everai command runs through the symlink npm makes, and starts the server with its node flags', async () => {
  const home = mkdtempSync(join(tmpdir(), 'everai-launcher-'));
  try {
    const command = join(home, 'everai');
    symlinkSync(EVERAI_LAUNCHER, command);
    const env = { ...process.env, EVERAI_HOME: home, PATH: PATH_WITH_THIS_NODE };

    const { stdout } = await promisify(execFile)(command, ['--version'], { env });
    assert.equal(stdout.trim(), VERSION);

    assert.ok(SERVER_NODE_FLAGS.length > 0, 'the launcher names flags for the server');
    const server = spawn(command, ['server', '--listen', '127.0.0.1:0', '--data', join(home, 'server'), '--data-plane', 'node'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
    try {
      await new Promise<void>((resolve, reject) => {
        let output = '';
        const onData = (chunk: Buffer) => {
          output += chunk.toString();
          if (/listening on \S+/.test(output)) resolve();
        };
        server.stdout.on('data', onData);
        server.stderr.on('data', onData);
        server.once('exit', (code) => reject(new Error(`the server exited with ${code} before listening:\n${output}`)));
      });
      // The launcher replaced itself with node (exec): the server's own process, with the flags.
      const args = readFileSync(`/proc/${server.pid}/cmdline`, 'utf8').split('\0');
      for (const flag of SERVER_NODE_FLAGS) assert.ok(args.includes(flag), `the server runs without ${flag}: ${args.join(' ')}`);
      assert.ok(args.includes('server'));
    } finally {
      server.kill('SIGTERM');
      await exited;
    }
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});
