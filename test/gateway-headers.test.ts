import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { cliOk, copyExampleApp, deployApp, editFile } from './helpers/app-fixture';
import { usePlatform } from './helpers/platform';

// What a worker learns of its callers: never their platform token (a public app could collect
// them), and who they are only through x-everai-user, which only the gateway sets.

let dir: string;
const platform = usePlatform({
  setup: async () => {
    dir = copyExampleApp(platform);
    // A route that answers the request headers it got, as JSON.
    editFile(join(dir, 'app.ts'), (text) =>
      text.concat("\napp.service.route('/headers', { methods: ['GET'] }, (req: Request) => JSON.stringify(Object.fromEntries(req.headers)));\n"),
    );
    await deployApp(platform, dir);
  },
});

const ROUTE = '/api/routes/v1/default/get-start/headers';

/** The headers the worker saw for a GET with `headers`. */
async function workerSaw(headers: Record<string, string>): Promise<Record<string, string>> {
  const res = await fetch(`${platform.url}${ROUTE}`, { headers });
  assert.equal(res.status, 200, await res.clone().text());
  return (await res.json()) as Record<string, string>;
}

async function setRouteAuth(routeAuth: 'public' | 'private'): Promise<void> {
  editFile(join(dir, 'app.ts'), (text) =>
    text.replace(/image: Image\.fromRegistry\(IMAGE\),(\n  routeAuth: '\w+',)?/, `image: Image.fromRegistry(IMAGE),\n  routeAuth: '${routeAuth}',`),
  );
  await cliOk(platform, ['app', 'update'], dir);
}

test('a private app gets no token, and x-everai-user names the caller even when the client forged it', async () => {
  for (const scheme of ['Bearer', 'bEaReR']) {
    const saw = await workerSaw({ authorization: `${scheme} ${platform.token}`, 'x-everai-user': 'mallory', 'x-app-thing': 'kept' });
    assert.equal(saw.authorization, undefined, `${scheme}: the token reached the worker`);
    assert.equal(saw['x-everai-user'], 'admin');
    assert.equal(saw['x-app-thing'], 'kept');
    assert.ok(!JSON.stringify(saw).includes(platform.token), 'the token is nowhere in what the worker saw');
  }
  // The token as Basic auth's password (as registry clients send it) authenticates, and is dropped too.
  const basicToken = `Basic ${Buffer.from(`x:${platform.token}`).toString('base64')}`;
  const saw = await workerSaw({ authorization: basicToken });
  assert.equal(saw.authorization, undefined);
  assert.equal(saw['x-everai-user'], 'admin');
});

test("a public app gets the app's own credentials untouched, and never a client's x-everai-user", async () => {
  await setRouteAuth('public');
  try {
    const basic = `Basic ${Buffer.from('alice:app-password').toString('base64')}`;
    const anonymous = await workerSaw({ authorization: basic, 'x-everai-user': 'mallory' });
    assert.equal(anonymous.authorization, basic);
    assert.equal(anonymous['x-everai-user'], undefined, 'a client-sent x-everai-user passed as if the gateway had set it');

    const ownBearer = await workerSaw({ authorization: 'Bearer app-session-123' });
    assert.equal(ownBearer.authorization, 'Bearer app-session-123');
    assert.equal(ownBearer['x-everai-user'], undefined);

    // A caller with a token is still known to a public app, and still keeps the token to itself.
    const known = await workerSaw({ authorization: `Bearer ${platform.token}`, 'x-everai-user': 'mallory' });
    assert.equal(known.authorization, undefined);
    assert.equal(known['x-everai-user'], 'admin');

    // A token that is not valid (a typo, a rotated one) is not forwarded either.
    const stale = await workerSaw({ authorization: 'Bearer everai_2222222222222222222222' });
    assert.equal(stale.authorization, undefined);
    assert.equal(stale['x-everai-user'], undefined);

    // Nor one after a tab rather than a space, which is no way to authenticate but still a token.
    const tabbed = await workerSaw({ authorization: `Bearer\t${platform.token}` });
    assert.equal(tabbed.authorization, undefined);
  } finally {
    await setRouteAuth('private');
  }
});

test("a client is told the data plane's own keep-alive timeout, not the worker's", async () => {
  // The worker's Keep-Alive speaks of its connection to the data plane (5 s for Node): passed on, a
  // client would drop idle connections the data plane keeps 65 s, and reconnect for nothing.
  const res = await fetch(`${platform.url}${ROUTE}`, { headers: { authorization: `Bearer ${platform.token}` } });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('keep-alive'), 'timeout=65');
  await res.arrayBuffer();
});
