import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { EveraiError } from '../src/contract/errors';
import { loadAppFromDir } from '../src/sdk/loader/load-app';
import { EVERAI_BIN, REPO_ROOT, runCli } from './helpers/cli';
import { waitFor } from './helpers/wait';

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A temp app folder holding `files`; ESM (`"type": "module"`) unless a package.json is given. */
function appDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'everai-check-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'package.json'), '{"type": "module", "private": true}\n');
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const VALID_APP = `import { App, Image } from 'everai';
import { IMAGE } from './image_builder';

export const app = new App('checked', { image: Image.fromRegistry(IMAGE) });
app.service.route('/sse', { methods: ['GET'] }, async function* () { yield 'x'; });
app.service.route('/echo', { methods: ['POST'] }, async (req: Request) => req.text());
`;

/** The one-line message loadAppFromDir gives for the app in `files`. */
async function loadError(files: Record<string, string>): Promise<string> {
  try {
    await loadAppFromDir(appDir(files));
  } catch (error) {
    assert.ok(error instanceof EveraiError, `not an EveraiError: ${String(error)}`);
    assert.equal(error.code, 'EVERAI_APP_INVALID');
    assert.ok(!error.message.includes('\n'), `more than one line: ${error.message}`);
    return error.message;
  }
  assert.fail('the app loaded');
}

describe('loading an app', () => {
  test('finds app.ts and its imports, and describes it', async () => {
    const { app, appFile } = await loadAppFromDir(appDir({ 'app.ts': VALID_APP, 'image_builder.ts': "export const IMAGE = 'checked:v1';\n" }));
    assert.equal(appFile, 'app.ts');
    assert.equal(app.name, 'checked');
    assert.equal(app.toSpec().image, 'checked:v1');
    assert.deepEqual(
      app.service.routes.map((r) => `${r.methods.join(',')} ${r.path.template}`),
      ['GET /sse', 'POST /echo'],
    );
  });

  test('loads a CommonJS app.js', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'everai-check-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'app.js'), "const { App } = require('everai');\nexports.app = new App('plain-js');\n");
    const { app, appFile } = await loadAppFromDir(dir);
    assert.equal(appFile, 'app.js');
    assert.equal(app.name, 'plain-js');
  });

  test('names the missing member, the file and the line of a typo', async () => {
    const message = await loadError({
      'app.ts': "import { App } from 'everai';\n\nexport const app = new App('typo');\n\napp.service.rout('/x', {}, () => 'x');\n",
    });
    assert.equal(message, "app.ts:5:13: app.service.rout is not a function — 'Service' has no member 'rout' (did you mean 'route'?)");
  });

  test('names the member of App that is not there', async () => {
    const message = await loadError({
      'app.mjs': "import { App } from 'everai';\nexport const app = new App('typo');\napp.servic.route('/x', () => 'x');\n",
    });
    assert.match(message, /^app\.mjs:3:\d+: .*'App' has no member 'servic' \(did you mean 'service'\?\)$/);
  });

  test('gives the file and line of a syntax error', async () => {
    const ts = await loadError({ 'app.ts': "import { App } from 'everai';\nexport const app = new App('x');\napp.service.route('/x', {}, () => { return 'x' );\n" });
    assert.match(ts, /^app\.ts:3:\d+: Expected ";" but found "\)"$/);
    const mjs = await loadError({ 'app.mjs': "import { App } from 'everai';\nexport const app = new App('x');\n\nconst = 3;\n" });
    assert.match(mjs, /^app\.mjs:4:\d+: .+/);
  });

  test('points into the file that failed, when it is not app.ts', async () => {
    const message = await loadError({ 'app.ts': VALID_APP, 'image_builder.ts': "export const IMAGE: string = 'x';\nthrow new Error('no registry');\n" });
    assert.match(message, /^image_builder\.ts:2:\d+: no registry$/);
  });

  test('suggests the SDK export meant by a wrong import', async () => {
    const message = await loadError({ 'app.ts': "import { Apps } from 'everai';\nexport const app = new Apps('x');\n" });
    assert.match(message, /^app\.ts:1:\d+: .*'Apps'.* — did you mean 'App'\?$/);
  });

  test('says where an invalid definition is', async () => {
    const message = await loadError({ 'app.ts': "import { App } from 'everai';\n\nexport const app = new App('Not_A_Name');\n" });
    assert.match(message, /^app\.ts:3:\d+: app name 'Not_A_Name' is not valid/);
  });

  test('refuses a route method that is not HTTP, at its line', async () => {
    const message = await loadError({
      'app.ts': "import { App } from 'everai';\nexport const app = new App('typo');\napp.service.route('/x', { methods: ['GETT'] }, () => 'x');\n",
    });
    assert.match(message, /^app\.ts:3:\d+: route '\/x': 'GETT' is not an HTTP method; use GET, HEAD, POST, PUT, DELETE, OPTIONS, PATCH$/);
  });

  test('says so when app.ts exports no app', async () => {
    const message = await loadError({ 'app.ts': "export const application = 1;\n" });
    assert.equal(message, "app.ts: no export named 'app' (it exports application); write `export const app = new App(...)`");
    assert.match(await loadError({ 'app.ts': 'export const app = { name: "x" };\n' }), /^app\.ts: the export 'app' is not an App/);
  });

  test('says so when there is no app file at all', async () => {
    assert.match(await loadError({}), /^no app\.ts, app\.js, app\.mjs in /);
  });
});

describe('everai app check|prepare|run', () => {
  test('check prints what the app serves', async () => {
    const dir = appDir({ 'app.ts': VALID_APP, 'image_builder.ts': "export const IMAGE = 'checked:v1';\n" });
    const result = await runCli(['app', 'check'], { cwd: dir });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, "App 'checked' is valid: 2 routes (GET /sse, POST /echo), image checked:v1\n");
  });

  test('check prints a broken app\'s error on one line and exits 2', async () => {
    const dir = appDir({ 'app.ts': "import { App } from 'everai';\nexport const app = new App('typo');\napp.service.rout('/x', {}, () => 'x');\n" });
    const result = await runCli(['app', 'check'], { cwd: dir });
    assert.equal(result.code, 2);
    assert.equal(
      result.stderr,
      "Error: app.ts:3:13: app.service.rout is not a function — 'Service' has no member 'rout' (did you mean 'route'?)\n",
    );
  });

  test('check of a file that does not parse says where, as when tsx loaded every app', async () => {
    const dir = appDir({ 'app.ts': "import { App } from 'everai';\nexport const app = new App('x');\napp.service.route('/x', {}, () => { return 'x' );\n" });
    const result = await runCli(['app', 'check'], { cwd: dir });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /^Error: app\.ts:3:\d+: Expected ";" but found "\)"\n$/);
  });

  test('check accepts the get-start example', async () => {
    const result = await runCli(['app', 'check'], { cwd: join(REPO_ROOT, 'examples', 'get-start') });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, "App 'get-start' is valid: 2 routes (GET /sse, GET /hello), image get-start:v1\n");
  });

  test('prepare runs the hooks in order, in prepare mode', async () => {
    const dir = appDir({
      'app.ts': `import { App, context } from 'everai';
export const app = new App('prep');
app.prepare(function first() { console.log('first, prepare mode:', context.isPrepareMode); });
app.prepare(async function second() { console.log('second'); });
`,
    });
    const result = await runCli(['app', 'prepare'], { cwd: dir });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(
      result.stdout,
      'prepare hook 1/2: first\nfirst, prepare mode: true\nprepare hook 2/2: second\nsecond\n' +
        "App 'prep': ran 2 prepare hooks\n",
    );
  });

  test('run serves the app locally until SIGINT', async () => {
    const dir = appDir({ 'app.ts': "import { App } from 'everai';\nexport const app = new App('local');\napp.service.route('/hello', () => 'hello world');\n" });
    const child = spawn(process.execPath, [EVERAI_BIN, 'app', 'run', '--port', '0'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = once(child, 'exit');
    try {
      const url = await waitFor(`app run serving\n${output}`, async () => /serving app local at (\S+)/.exec(output)?.[1], 30_000, 50);
      assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.equal(await (await fetch(`${url}/hello`)).text(), 'hello world');
      child.kill('SIGINT');
      assert.deepEqual(await exited, [0, null]);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });
});
