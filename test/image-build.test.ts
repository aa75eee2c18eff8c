import assert from 'node:assert/strict';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { buildImage } from '../src/client/image/oci-image-builder';
import { APP_FILE_LABEL } from '../src/contract/oci';
import { LocalBlobStore } from '../src/server/blobs/local/local-blob-store';
import { resolveImage } from '../src/server/registry/image-resolver';
import { ImageUnpacker } from '../src/server/runtime/local/image-unpacker';
import { SqliteStore } from '../src/server/store/sqlite/sqlite-store';
import { usePlatform } from './helpers/platform';
import { runCli } from './helpers/cli';
import type { RecordedLoads } from './helpers/record-loads';

// `everai image build`: build the app folder into an image, push it as IMAGE.

let work: string;

function appDir(image = 'demo:v1', files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(work, 'app-'));
  writeFileSync(join(dir, 'app.ts'), "export const app = 'demo';\n");
  writeFileSync(join(dir, 'image_builder.ts'), `export const IMAGE = '${image}';\n`);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

async function build(dir: string): Promise<{ digest: string; stderr: string }> {
  const result = await platform.cli(['image', 'build'], { cwd: dir });
  assert.equal(result.code, 0, `image build failed:\n${result.stderr}`);
  const match = /^pushed (\S+)@(sha256:[a-f0-9]{64})\n$/.exec(result.stdout);
  assert.ok(match, `unexpected output: ${result.stdout}`);
  return { digest: match[2] as string, stderr: result.stderr };
}

async function failure(dir: string): Promise<string> {
  const result = await platform.cli(['image', 'build'], { cwd: dir });
  assert.notEqual(result.code, 0);
  assert.equal(result.stdout, '');
  const lines = result.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `expected one line, got:\n${result.stderr}`);
  return lines[0] as string;
}

const platform = usePlatform();

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'everai-build-'));
});

after(async () => {
  rmSync(work, { recursive: true, force: true });
});

test('the same sources give the same digest; the second push sends no blob again', async () => {
  const dir = appDir('demo:v1', { 'lib/util.ts': 'export const x = 1;\n' });
  const first = await build(dir);
  assert.match(first.stderr, /pushing layer of the app folder \d+(\.\d)? (B|KiB)\ndone\n/);

  const second = await build(dir);
  assert.equal(second.digest, first.digest);
  assert.doesNotMatch(second.stderr, /pushing/);
  assert.match(second.stderr, /layer sha256:[a-f0-9]{12}… is in the registry already/);

  // Another folder, other times and permission bits: nothing of that reaches the image.
  const copy = mkdtempSync(join(work, 'copy-'));
  cpSync(dir, copy, { recursive: true });
  utimesSync(join(copy, 'app.ts'), new Date(2001, 1, 1), new Date(2001, 1, 1));
  chmodSync(join(copy, 'lib', 'util.ts'), 0o600);
  assert.equal((await build(copy)).digest, first.digest);
});

test("an SDK app's build loads neither zod, yaml nor Node's fetch: they were half of a rebuild after an edit", async () => {
  // 0.81 s with them, 0.42 s without (median of 8 alternating builds of examples/get-start).
  const dir = appDir('lean:v1');
  const loadsFile = join(work, 'loads.json');
  const env = { ...platform.env, NODE_OPTIONS: `--require ${join(__dirname, 'helpers', 'record-loads.js')}`, EVERAI_TEST_LOADS_FILE: loadsFile };
  const result = await runCli(['image', 'build'], { cwd: dir, env });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /^pushed lean:v1@sha256:/);
  const loads = JSON.parse(readFileSync(loadsFile, 'utf8')) as RecordedLoads;
  assert.ok(loads.packages.includes('esbuild') && loads.packages.includes('tar-stream'), `what it needs is recorded: ${loads.packages.join(' ')}`);
  for (const unneeded of ['zod', 'yaml']) assert.ok(!loads.packages.includes(unneeded), `image build loaded ${unneeded}`);
  assert.equal(loads.undici, false, 'image build loaded undici (the global fetch)');
});

test('a changed file gives another digest', async () => {
  const dir = appDir('changes:v1');
  const before = await build(dir);
  writeFileSync(join(dir, 'app.ts'), "export const app = 'changed';\n");
  assert.notEqual((await build(dir)).digest, before.digest);
});

test('the pushed image resolves and unpacks to the app under /app, without what is never shipped', async () => {
  const dir = appDir('unpacked/demo:v1', {
    'node_modules/dep/index.js': 'x',
    '.git/HEAD': 'x',
    'secret.env': 'x',
    'data/cache.bin': 'x',
    'data/keep.txt': 'kept',
    '.everaiignore': '# not for the image\nsecret.env\ndata/*.bin\n',
  });
  const { digest } = await build(dir);
  const store = new SqliteStore(join(platform.dataDir, 'state.db'));
  const blobs = new LocalBlobStore(join(platform.dataDir, 'blobs'));
  try {
    const image = await resolveImage({ store, blobs }, 'admin/unpacked/demo:v1');
    assert.equal(image.digest, digest);
    assert.equal(image.config.config?.WorkingDir, '/app');
    assert.equal(image.config.config?.Labels?.[APP_FILE_LABEL], 'app.ts');
    const root = await new ImageUnpacker(blobs, join(work, 'images')).ensureUnpacked(image);
    assert.equal(readFileSync(join(root, 'app', 'app.ts'), 'utf8'), "export const app = 'demo';\n");
    assert.equal(readFileSync(join(root, 'app', 'data', 'keep.txt'), 'utf8'), 'kept');
    for (const absent of ['node_modules', '.git', 'secret.env', 'data/cache.bin']) {
      assert.equal(existsSync(join(root, 'app', absent)), false, absent);
    }
    await assert.rejects(resolveImage({ store, blobs }, 'admin/unpacked/demo:v2'), /image 'admin\/unpacked\/demo:v2' was not found in the registry; build and push it with `everai image build`/);
  } finally {
    await store.close();
  }
});

test('a manifest folder pushes as spec.image of app.yaml', async () => {
  const dir = mkdtempSync(join(work, 'manifest-'));
  writeFileSync(join(dir, 'app.yaml'), 'version: everai/v1alpha1\nkind: App\nmetadata:\n  name: web\nspec:\n  image: web:v1\n  port: 8080\n');
  writeFileSync(join(dir, 'server.js'), 'require("http").createServer().listen(process.env.PORT);\n');
  const result = await platform.cli(['image', 'build'], { cwd: dir });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /^pushed web:v1@sha256:[a-f0-9]{64}\n$/);
});

test('--base puts a manifest folder on a registry image, which says what runs; an SDK app on it runs the worker', async () => {
  const sdkApp = appDir('on-base/sdk:v1');
  await build(sdkApp);
  const dir = mkdtempSync(join(work, 'manifest-'));
  writeFileSync(join(dir, 'app.yaml'), 'version: everai/v1alpha1\nkind: App\nmetadata:\n  name: based\nspec:\n  image: based:v1\n  port: 8080\n');
  writeFileSync(join(dir, 'server.js'), 'require("http").createServer().listen(process.env.PORT);\n');
  const result = await platform.cli(['image', 'build', '--base', 'on-base/sdk:v1'], { cwd: dir });
  assert.equal(result.code, 0, result.stderr);

  const store = new SqliteStore(join(platform.dataDir, 'state.db'));
  const blobs = new LocalBlobStore(join(platform.dataDir, 'blobs'));
  try {
    const base = await resolveImage({ store, blobs }, 'admin/on-base/sdk:v1');
    assert.deepEqual(base.config.config?.Entrypoint, ['/usr/local/bin/node', '/opt/everai/dist/src/sdk/worker/worker-entry.js']);
    assert.equal(base.config.config?.User, '65534:65534');
    assert.ok(base.config.config?.Env?.some((line) => line.startsWith('PATH=/usr/local/bin:')));
    assert.equal(base.layers.length, 3, 'node base, SDK runtime, app');

    const image = await resolveImage({ store, blobs }, 'admin/based:v1');
    assert.deepEqual(image.config.config?.Entrypoint, base.config.config?.Entrypoint);
    assert.equal(image.config.config?.User, '65534:65534');
    assert.equal(image.config.config?.WorkingDir, '/app');
    assert.deepEqual(image.layers.slice(0, 3), base.layers);
    const root = await new ImageUnpacker(blobs, join(work, 'images')).ensureUnpacked(image);
    assert.equal(readFileSync(join(root, 'app', 'server.js'), 'utf8'), 'require("http").createServer().listen(process.env.PORT);\n');
    assert.ok(existsSync(join(root, 'usr', 'local', 'bin', 'node')));
  } finally {
    await store.close();
  }
});

test('the layer sent as it is packed gives the image a file-based build of the same folder gives, gzip and plain', async () => {
  for (const [name, bigFile] of [
    ['small', 0],
    // Past the app layer's gzip limit (64 MiB): a plain tar.
    ['large', 65 * 1024 * 1024],
  ] as const) {
    const dir = mkdtempSync(join(work, `${name}-`));
    writeFileSync(join(dir, 'app.yaml'), `version: everai/v1alpha1\nkind: App\nmetadata:\n  name: ${name}\nspec:\n  image: same-${name}:v1\n  port: 8080\n`);
    // A path past the 100 bytes of a plain tar header: tar-stream writes a PAX header for it.
    const deep = join(dir, 'a'.repeat(60), 'b'.repeat(60));
    mkdirSync(deep, { recursive: true });
    writeFileSync(join(deep, 'run.sh'), '#!/bin/sh\necho hi\n');
    chmodSync(join(deep, 'run.sh'), 0o755);
    symlinkSync('app.yaml', join(dir, 'link.yaml'));
    if (bigFile > 0) writeFileSync(join(dir, 'weights.bin'), Buffer.alloc(bigFile, 7));

    const result = await platform.cli(['image', 'build'], { cwd: dir });
    assert.equal(result.code, 0, result.stderr);
    const pushed = /@(sha256:[a-f0-9]{64})\n$/.exec(result.stdout)?.[1];
    const built = await buildImage({ appDir: dir, layoutDir: join(work, `${name}-layout`), tag: 'v1' });
    assert.equal(pushed, built.manifestDigest, name);
  }
});

test('a missing IMAGE, a broken image_builder.ts or a foreign registry fail in one line', async () => {
  const missing = appDir();
  writeFileSync(join(missing, 'image_builder.ts'), "export const NAME = 'demo:v1';\n");
  assert.match(await failure(missing), /^Error: image_builder\.ts does not export IMAGE/);

  const broken = appDir();
  writeFileSync(join(broken, 'image_builder.ts'), "throw new Error('no registry configured');\n");
  assert.match(await failure(broken), /^Error: image_builder\.ts does not load: no registry configured$/);

  const foreign = appDir('quay.io/someone/demo:v1');
  assert.match(await failure(foreign), /^Error: image 'quay\.io\/someone\/demo:v1' names the registry quay\.io; pushing to external registries is not supported yet/);

  const invalid = appDir('Demo:v1');
  assert.match(await failure(invalid), /^Error: invalid image reference 'Demo:v1'/);

  const empty = mkdtempSync(join(work, 'empty-'));
  assert.match(await failure(empty), /^Error: no image_builder\.ts \(or \.js, \.mjs, \.py\) or app\.yaml in /);
});
