import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { COMPILED_APP_FILE } from '../src/contract/worker-env';
import { LocalBlobStore } from '../src/server/blobs/local/local-blob-store';
import { resolveImage } from '../src/server/registry/image-resolver';
import { ImageUnpacker } from '../src/server/runtime/local/image-unpacker';
import { freePort } from '../src/server/free-port';
import { SqliteStore } from '../src/server/store/sqlite/sqlite-store';
import { REPO_ROOT } from './helpers/cli';
import { processTree } from './helpers/process-tree';
import { usePlatform } from './helpers/platform';
import { waitFor } from './helpers/wait';

// `everai image build` compiles an SDK app to JS once; the image's worker loads that: no
// TypeScript compiler beside it, and its errors still point at the user's `.ts` lines.

const WORKER_ENTRY = join(REPO_ROOT, 'dist', 'src', 'sdk', 'worker', 'worker-entry.js');

const APP = `import { App } from 'everai';
import { greeting } from './lib/greet';

export const app = new App('compiled');
app.service.route('/hi', {}, () => greeting());
`;
const GREET = `export const greeting = (): string => 'hello from lib';
if (process.env.BREAK_AT_LOAD) throw new Error('broken lib');
`;

let work: string;
const platform = usePlatform();

before(() => {
  work = mkdtempSync(join(tmpdir(), 'everai-compiled-'));
});

after(() => {
  rmSync(work, { recursive: true, force: true });
});

/** Builds the folder of `files` as IMAGE and returns its `/app`, unpacked as a worker gets it. */
async function builtApp(image: string, files: Record<string, string>): Promise<string> {
  const dir = mkdtempSync(join(work, 'app-'));
  for (const [name, text] of Object.entries({ ...files, 'image_builder.ts': `export const IMAGE = '${image}';\n` })) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  const built = await platform.cli(['image', 'build'], { cwd: dir });
  assert.equal(built.code, 0, built.stderr);
  const store = new SqliteStore(join(platform.dataDir, 'state.db'));
  try {
    const resolved = await resolveImage({ store, blobs: new LocalBlobStore(join(platform.dataDir, 'blobs')) }, `admin/${image}`);
    const root = await new ImageUnpacker(new LocalBlobStore(join(platform.dataDir, 'blobs')), join(work, 'images')).ensureUnpacked(resolved);
    return join(root, 'app');
  } finally {
    await store.close();
  }
}

/** Runs the SDK worker in `appDir` as a runtime would, until it serves or exits. */
async function runWorker(appDir: string, env: Record<string, string> = {}) {
  const port = await freePort();
  let output = '';
  const child = spawn(process.execPath, [WORKER_ENTRY], {
    cwd: appDir,
    env: { ...process.env, PORT: String(port), EVERAI_LISTEN_HOST: '127.0.0.1', EVERAI_APP_FILE: 'app.ts', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  await waitFor('the worker to serve or exit', async () => output.includes('serving app') || child.exitCode !== null, 30_000, 20);
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid as number,
    output: () => output,
    exited,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

test('the image holds the app compiled, and its worker serves it with no compiler process beside it', async () => {
  const appDir = await builtApp('compiled:v1', { 'app.ts': APP, 'lib/greet.ts': GREET });
  assert.ok(existsSync(join(appDir, COMPILED_APP_FILE)));
  const worker = await runWorker(appDir);
  try {
    assert.equal(await (await fetch(`${worker.url}/hi`)).text(), 'hello from lib');
    assert.deepEqual(processTree(worker.pid).map((p) => p.pid), [worker.pid], 'no esbuild (or any) process beside the worker');
  } finally {
    await worker.stop();
  }
});

test("a compiled app's load error names the user's .ts file and line", async () => {
  const appDir = await builtApp('compiled:v2', { 'app.ts': APP, 'lib/greet.ts': GREET });
  const worker = await runWorker(appDir, { BREAK_AT_LOAD: '1' });
  assert.equal(await worker.exited, 1);
  assert.match(worker.output(), /^Error: lib\/greet\.ts:2:\d+: broken lib$/m);
});

test('an app esbuild cannot make CommonJS of (top-level await) goes in as sources, and runs through tsx as before', async () => {
  const awaiting = `${APP}await Promise.resolve();\n`;
  const appDir = await builtApp('compiled:v3', { 'package.json': '{"type": "module"}\n', 'app.ts': awaiting, 'lib/greet.ts': GREET });
  assert.equal(existsSync(join(appDir, COMPILED_APP_FILE)), false);
  const worker = await runWorker(appDir);
  try {
    assert.equal(await (await fetch(`${worker.url}/hi`)).text(), 'hello from lib');
  } finally {
    await worker.stop();
  }
});
