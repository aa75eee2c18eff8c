import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pinProgram, repinProgram } from '../src/server/apps/program-pins';
import type { ResolvedImage } from '../src/server/registry/image-resolver';

// What a manifest worker runs (docs/manifest.md, "What a worker runs"): the manifest's command,
// else the image's Entrypoint and Cmd; `app upgrade --image` keeps the first and takes the new
// image's second.

const image = (entrypoint: string[], cmd: string[]): ResolvedImage => ({
  repository: 'tool',
  digest: `sha256:${'0'.repeat(64)}`,
  config: { config: { Entrypoint: entrypoint, Cmd: cmd } },
  layers: [],
});
const request = { command: null, args: null, port: 8080, servicePorts: [8080, 9090], readinessPath: '/ready' };

test("a command from the image's Entrypoint and Cmd follows the image on an upgrade", () => {
  const v1 = pinProgram(request, image(['python3'], ['server-v1.py']));
  assert.deepEqual(v1.kind === 'command' && v1.argv, ['python3', 'server-v1.py']);
  const v2 = repinProgram(v1, image(['python3'], ['server-v2.py']));
  assert.deepEqual(v2.kind === 'command' && [v2.argv, v2.port, v2.servicePorts, v2.readinessPath], [['python3', 'server-v2.py'], 8080, [8080, 9090], '/ready']);
});

test('a command the manifest names stays on an upgrade; manifest args replace the Cmd only', () => {
  const named = pinProgram({ ...request, command: ['sh', '-c'], args: ['exec ./serve'] }, image(['python3'], ['v1.py']));
  assert.deepEqual(repinProgram(named, image(['node'], ['v2.js'])), named);
  const argsOnly = pinProgram({ ...request, args: ['--fast'] }, image(['python3'], ['v1.py']));
  const upgraded = repinProgram(argsOnly, image(['python3.12'], ['v2.py']));
  assert.deepEqual(upgraded.kind === 'command' && upgraded.argv, ['python3.12', '--fast']);
});

test('an app-object program has nothing to re-pin', () => {
  assert.deepEqual(repinProgram({ kind: 'sdk' }, image([], [])), { kind: 'sdk' });
});
