import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { EVERAI_BIN, REPO_ROOT, runCli } from './helpers/cli';
import { PYTHON_MISSING } from './helpers/python';
import { waitFor } from './helpers/wait';

// `everai app check|prepare|run` on an app.py folder, with no server: what test/app-check.test.ts
// asks of an app.ts folder.

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function appDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'everai-python-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const example = (name: string) => join(REPO_ROOT, 'examples', name);

describe('everai app check|prepare|run on a Python app', { skip: PYTHON_MISSING }, () => {
  test('check describes the guide\'s two apps', async () => {
    for (const [name, summary] of [
      ['get-start-python', "App 'get-start-python' is valid: 2 routes (GET /sse, GET /hello), image get-start-python:v1\n"],
      ['show-volume-python', "App 'show-volume-python' is valid: 1 route (GET /show-volume), image show-volume-python:v1\n"],
    ] as const) {
      const result = await runCli(['app', 'check'], { cwd: example(name) });
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout, summary);
    }
  });

  test('check catches a typo as EverAI does, with the file and line, and exits 2', async () => {
    const dir = appDir({
      'app.py': "from everai.app import App\n\napp = App('typo')\n\n\n@app.service.rout('/sse', methods=['GET'])\ndef sse():\n    return 'x'\n",
    });
    const result = await runCli(['app', 'check'], { cwd: dir });
    assert.equal(result.code, 2);
    assert.equal(result.stderr, "Error: app.py:6: AttributeError: 'Service' object has no attribute 'rout' (did you mean 'route'?)\n");
  });

  test('an app.ts beside an app.py is the app', async () => {
    const dir = appDir({ 'app.py': 'this is not Python\n', 'app.js': "const { App } = require('everai');\nexports.app = new App('node-wins');\n" });
    const result = await runCli(['app', 'check'], { cwd: dir });
    assert.equal(result.stdout, "App 'node-wins' is valid: 0 routes, image (none)\n", result.stderr);
  });

  test('prepare runs the hooks in order, in prepare mode, and says where one fails', async () => {
    const hooks = `from everai.app import App, context

app = App('prep')


@app.prepare()
def first():
    print('first, prepare mode:', context.is_prepare_mode)


@app.prepare()
def second():
    print('second')
`;
    const result = await runCli(['app', 'prepare'], { cwd: appDir({ 'app.py': hooks }) });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, "prepare hook 1/2: first\nfirst, prepare mode: True\nprepare hook 2/2: second\nsecond\nApp 'prep': ran 2 prepare hooks\n");

    const failing = await runCli(['app', 'prepare'], { cwd: appDir({ 'app.py': hooks.replace("print('second')", "raise RuntimeError('no model')") }) });
    assert.equal(failing.code, 2);
    assert.match(failing.stderr, /RuntimeError: no model\n/, 'the traceback says why');
    assert.match(failing.stderr, /Error: app\.py: the prepare hooks failed \(exit code 1\); why is above\n$/);
  });

  test('run serves the guide\'s app here, streaming, and drains on SIGINT', async () => {
    const child = spawn(process.execPath, [EVERAI_BIN, 'app', 'run', '--port', '0'], { cwd: example('get-start-python'), stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = once(child, 'exit');
    try {
      const url = await waitFor(`app run serving\n${output}`, async () => /serving app get-start-python at (\S+)/.exec(output)?.[1], 30_000, 50);
      assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.equal(await (await fetch(`${url}/hello`)).text(), 'hello world');
      const stream = await fetch(`${url}/sse?n=20&delay=0.05`);
      assert.equal(stream.headers.get('content-type'), 'text/event-stream; charset=utf-8');
      const chunks = (stream.body as ReadableStream<Uint8Array>).getReader();
      const decoder = new TextDecoder();
      let text = decoder.decode((await chunks.read()).value, { stream: true });
      assert.match(text, /^hello again 0\n\n/, 'the first event comes while the rest is still being made');
      child.kill('SIGINT');
      for (let chunk = await chunks.read(); !chunk.done; chunk = await chunks.read()) text += decoder.decode(chunk.value, { stream: true });
      assert.match(text, /^hello again 0\n\n[^]*hello again 19\n\n$/, 'a stream open at SIGINT runs to its end');
      assert.deepEqual(await exited, [0, null]);
      assert.match(output, /SIGINT: stopping after 1 in-flight request\(s\); again to stop now\n/);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });
});
