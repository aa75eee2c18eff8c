import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { test } from 'node:test';
import { hostPython } from '../src/contract/python-worker';
import { REPO_ROOT } from './helpers/cli';

// The Python SDK's own unit tests (python/tests, pytest), so that `npm test` covers them too.

const PYTHON = hostPython();
const missing = spawnSync(PYTHON, ['-c', 'import flask, pytest']).status !== 0;
const SKIP = missing && `${PYTHON} with Flask and pytest is not installed (apt-get install python3-flask python3-pytest)`;

test('the Python SDK passes its unit tests', { skip: SKIP }, async () => {
  const child = spawn(PYTHON, ['-m', 'pytest', '-q', join(REPO_ROOT, 'python', 'tests')], {
    cwd: REPO_ROOT,
    // No __pycache__ in the repository.
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const [code] = (await once(child, 'close')) as [number | null];
  assert.equal(code, 0, output);
  assert.match(output, /\d+ passed/);
});
