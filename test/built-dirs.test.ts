import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { BuiltDirs } from '../src/server/runtime/local/built-dirs';

// The folders local runtimes build once and share (unpacked images, volume trees), and their
// removal once unused: what is held stays, what goes goes whole, and a crash leaves nothing half.

function root(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'everai-built-dirs-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'trees');
}

/** A build that writes one file and makes its folders read-only, as a volume tree is; counts its runs. */
function readOnlyBuild(): { runs: number; build: (temp: string) => Promise<void> } {
  const counter = {
    runs: 0,
    build: async (temp: string) => {
      counter.runs++;
      mkdirSync(join(temp, 'sub'));
      writeFileSync(join(temp, 'sub', 'file'), 'bytes');
      chmodSync(join(temp, 'sub'), 0o555);
      chmodSync(temp, 0o555);
    },
  };
  return counter;
}

const later = () => Date.now() + 60_000;

test('a folder nobody holds goes once unused since the cut-off; a held one stays until released', async (t) => {
  const dirs = new BuiltDirs(root(t), 1);
  const { build } = readOnlyBuild();
  const kept = await dirs.ensure('kept', build);
  const unused = await dirs.ensure('unused', build);
  const release = dirs.hold('kept');

  assert.deepEqual(await dirs.removeUnused(Date.now() - 60_000), [], 'nothing is unused for that long');
  assert.deepEqual(await dirs.removeUnused(later()), [unused]);
  assert.ok(existsSync(join(kept, 'sub', 'file')), 'the held folder stays, whole');
  assert.ok(!existsSync(unused));

  release();
  release();
  assert.deepEqual(await dirs.removeUnused(later()), [kept], 'a second release changes nothing');
  assert.deepEqual(readdirSync(join(kept, '..')), [], 'no trash is left');
});

test('a folder asked for again after its removal is built anew', async (t) => {
  const dirs = new BuiltDirs(root(t), 1);
  const counter = readOnlyBuild();
  const first = await dirs.ensure('tree', counter.build);
  await dirs.removeUnused(later());
  assert.ok(!existsSync(first));

  const again = await dirs.ensure('tree', counter.build);
  assert.equal(again, first);
  assert.ok(existsSync(join(again, 'sub', 'file')));
  assert.equal(counter.runs, 2);
});

test('a folder asked for during a sweep is not removed by it, whatever the cut-off', async (t) => {
  const dirs = new BuiltDirs(root(t), 1);
  const { build } = readOnlyBuild();
  await dirs.ensure('tree', build);
  const release = dirs.hold('tree');
  const sweeping = dirs.removeUnused(Date.now());
  // A worker that starts while the sweep runs holds its folder before it asks for it.
  const path = await dirs.ensure('tree', build);
  release();
  assert.deepEqual(await sweeping, []);
  assert.ok(existsSync(join(path, 'sub', 'file')));
});

test('a folder found on disk that nobody asked for counts as used when found', async (t) => {
  const dir = root(t);
  const { build } = readOnlyBuild();
  const path = await new BuiltDirs(dir, 1).ensure('tree', build);

  // As after a server restart: a new BuiltDirs over the same folder.
  const dirs = new BuiltDirs(dir, 1);
  assert.deepEqual(await dirs.removeUnused(Date.now()), [], 'kept when first found');
  assert.deepEqual(await dirs.removeUnused(later()), [path]);
});

test('two-level keys: a removed revision takes its emptied parent with it, a parent with another revision stays', async (t) => {
  const dir = root(t);
  const dirs = new BuiltDirs(dir, 2);
  const { build } = readOnlyBuild();
  const one = await dirs.ensure('volume-a/000001-abc', build);
  const two = await dirs.ensure('volume-a/000002-def', build);
  const other = await dirs.ensure('volume-b/000001-abc', build);
  const release = dirs.hold('volume-a/000002-def');

  assert.deepEqual((await dirs.removeUnused(later())).sort(), [one, other].sort());
  assert.deepEqual(readdirSync(dir), ['volume-a']);
  assert.deepEqual(readdirSync(join(dir, 'volume-a')), ['000002-def']);
  release();
  assert.deepEqual(await dirs.removeUnused(later()), [two]);
  assert.deepEqual(readdirSync(dir), []);
});

test("a crash's leftovers, half-built and half-deleted read-only folders, go at the next sweep", async (t) => {
  const dir = root(t);
  for (const name of ['.building-x1', 'volume-a/.trash-y2']) {
    mkdirSync(join(dir, name, 'sub'), { recursive: true });
    writeFileSync(join(dir, name, 'sub', 'file'), 'bytes');
    chmodSync(join(dir, name, 'sub'), 0o555);
  }
  const dirs = new BuiltDirs(dir, 2);
  assert.deepEqual(await dirs.removeUnused(Date.now()), []);
  assert.deepEqual(readdirSync(dir), []);
});
