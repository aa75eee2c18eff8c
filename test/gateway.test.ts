import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { cliOk, copyExampleApp, deployApp, editFile, waitDeployed } from './helpers/app-fixture';
import { readStream } from './helpers/load';
import { usePlatform } from './helpers/platform';
import { waitFor } from './helpers/wait';

let dir: string;
const platform = usePlatform({
  setup: async () => {
    dir = copyExampleApp(platform);
    await deployApp(platform, dir);
  },
});

const auth = () => ({ authorization: `Bearer ${platform.token}` });

async function errorOf(res: Response): Promise<{ code: string; message: string }> {
  assert.match(res.headers.get('content-type') ?? '', /application\/json/);
  return ((await res.json()) as { error: { code: string; message: string } }).error;
}

test('SSE events arrive through the gateway as the handler yields them, not at the end', async () => {
  const stream = await readStream(`${platform.url}/api/routes/v1/default/get-start/sse?n=5&delay=300`, platform.token);
  assert.equal(stream.status, 200);
  assert.equal(stream.text.split('\n\n').filter(Boolean).length, 5);
  // Each event is its own arrival, roughly 300 ms after the one before (generous bounds: no timing test).
  const arrivals = stream.chunks.filter((c) => c.text.includes('hello'));
  assert.ok(arrivals.length >= 4, `events arrived in ${arrivals.length} chunks, expected one each`);
  const spread = (arrivals.at(-1)?.at ?? 0) - (arrivals[0]?.at ?? 0);
  assert.ok(spread >= 600, `first to last event took ${spread} ms; they were held back and sent together`);
});

test('both route forms reach the app, query string intact', async () => {
  for (const url of [
    `${platform.url}/api/routes/v1/default/get-start/sse?n=2&delay=0`,
    `${platform.url}/api/apps/v1/routes/get-start/sse?n=2&delay=0`,
  ]) {
    const res = await fetch(url, { headers: auth() });
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'hello again 0\n\nhello again 1\n\n');
  }
});

test('a missing or wrong token is 401, an unknown app 404, each with a JSON error', async () => {
  const route = `${platform.url}/api/apps/v1/routes/get-start/sse?n=1`;
  const missing = await fetch(route);
  assert.equal(missing.status, 401);
  assert.equal((await errorOf(missing)).code, 'EVERAI_UNAUTHENTICATED');
  const wrong = await fetch(route, { headers: { authorization: 'Bearer everai_2222222222222222222222' } });
  assert.equal(wrong.status, 401);
  assert.match((await errorOf(wrong)).message, /not valid/);
  const unknown = await fetch(`${platform.url}/api/apps/v1/routes/no-such-app/x`, { headers: auth() });
  assert.equal(unknown.status, 404);
  assert.equal((await errorOf(unknown)).code, 'EVERAI_NOT_FOUND');
});

test('a malformed percent-escape in a path is a 400 with a JSON error, and the server keeps serving', async () => {
  for (const path of [
    '/api/routes/v1/default/%E0%A4%A/x',
    '/api/apps/v1/routes/%E0%A4%A/x',
    '/api/apps/v1/namespaces/default/apps/%E0%A4%A',
  ]) {
    const res = await fetch(`${platform.url}${path}`, { headers: auth() });
    assert.equal(res.status, 400, path);
    const error = await errorOf(res);
    assert.equal(error.code, 'EVERAI_BAD_REQUEST', path);
    assert.match(error.message, /malformed percent-escape/);
  }
  const after = await fetch(`${platform.url}/api/apps/v1/routes/get-start/hello`, { headers: auth() });
  assert.equal(after.status, 200);
  assert.equal(await after.text(), 'hello world');
});

/** The answer to a POST that declares a body of `length` bytes and sends its first KiB. */
function postDeclaring(length: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${platform.url}/api/apps/v1/routes/get-start/hello`, {
      method: 'POST',
      headers: { ...auth(), 'content-length': String(length) },
    });
    req.on('response', (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => {
        req.destroy();
        resolve({ status: res.statusCode ?? 0, body });
      });
    });
    req.on('error', reject);
    req.write('x'.repeat(1024));
  });
}

test('a body over the limit is refused with 413 before it reaches a worker', async () => {
  // Past 2^31 too, which a 32-bit reading of the header takes for a negative number, and 2^32 and
  // a KiB, which it takes for a KiB.
  for (const length of [200 * 1024 * 1024, 2 ** 31, 2 ** 32 + 1024]) {
    const answer = await postDeclaring(length);
    assert.equal(answer.status, 413, `a body of ${length} bytes`);
    assert.match(answer.body, /EVERAI_BODY_TOO_LARGE/);
  }
});

test('a paused app answers 503 with a clear message, and serves again once resumed', async () => {
  await cliOk(platform, ['app', 'pause', 'get-start']);
  await waitFor('app PAUSED', async () => (await cliOk(platform, ['app', 'list'])).includes('PAUSED'));
  const paused = await fetch(`${platform.url}/api/apps/v1/routes/get-start/hello`, { headers: auth() });
  assert.equal(paused.status, 503);
  const error = await errorOf(paused);
  assert.equal(error.code, 'EVERAI_APP_PAUSED');
  assert.match(error.message, /paused/);
  assert.equal((await cliOk(platform, ['worker', 'list', 'get-start'])).split('\n').filter(Boolean).length, 2, 'no worker runs while paused');

  await cliOk(platform, ['app', 'resume', 'get-start']);
  await waitDeployed(platform, 'get-start');
  const resumed = await fetch(`${platform.url}/api/apps/v1/routes/get-start/hello`, { headers: auth() });
  assert.equal(resumed.status, 200);
  assert.equal(await resumed.text(), 'hello world');
});

test('the CLI gives one clear line for an unknown command, flag, or image', async () => {
  const command = await platform.cli(['frobnicate']);
  assert.notEqual(command.code, 0);
  assert.equal(command.stderr.trim(), "Error: unknown command 'frobnicate'");
  const flag = await platform.cli(['app', 'list', '--frob']);
  assert.notEqual(flag.code, 0);
  assert.equal(flag.stderr.trim(), "Error: unknown option '--frob'");

  const other = copyExampleApp(platform);
  editFile(`${other}/image_builder.ts`, (t) => t.replace("'get-start:v1'", "'never-built:v9'"));
  editFile(`${other}/app.ts`, (t) => t.replace("new App('get-start'", "new App('never-built'"));
  const create = await platform.cli(['app', 'create'], { cwd: other });
  assert.notEqual(create.code, 0);
  assert.equal(create.stderr.split('\n').filter(Boolean).length, 1, create.stderr);
  assert.match(create.stderr, /^Error: image 'never-built:v9' was not found/);
  const apps = await cliOk(platform, ['app', 'list']);
  assert.doesNotMatch(apps, /never-built/, 'a failed create creates nothing');
});
