import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli } from './helpers/cli';
import { startTestPlatform } from './helpers/platform';

// A server behind TLS with a private CA, as a company proxy puts it: the `everai` command trusts
// NODE_EXTRA_CA_CERTS as any node program does, though it moves it aside for commands that speak
// plain HTTP (Node 20 loads the file as it starts: src/cli/extra-ca-certs.ts).

/** A CA and a certificate it signed for 127.0.0.1, made with openssl in `dir`. */
function makeCertificates(dir: string): { ca: string; key: string; cert: string } {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const file = (name: string) => join(dir, name);
  execFileSync('openssl', ['req', '-x509', ...ec, '-keyout', file('ca.key'), '-out', file('ca.pem'), '-days', '2', '-subj', '/CN=everai test CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=keyCertSign'], { stdio: 'ignore' });
  execFileSync('openssl', ['req', ...ec, '-keyout', file('server.key'), '-out', file('server.csr'), '-subj', '/CN=127.0.0.1'], { stdio: 'ignore' });
  writeFileSync(file('server.ext'), 'subjectAltName=IP:127.0.0.1\n');
  execFileSync('openssl', ['x509', '-req', '-in', file('server.csr'), '-CA', file('ca.pem'), '-CAkey', file('ca.key'), '-CAcreateserial', '-out', file('server.pem'), '-days', '2', '-extfile', file('server.ext')], { stdio: 'ignore' });
  return { ca: file('ca.pem'), key: readFileSync(file('server.key'), 'utf8'), cert: readFileSync(file('server.pem'), 'utf8') };
}

/** An HTTPS front that passes each request on to `upstream`, streams both ways. */
async function startTlsFront(upstream: string, key: string, cert: string): Promise<{ url: string; server: Server }> {
  const server = createServer({ key, cert }, (req, res) => {
    const onward = httpRequest(`${upstream}${req.url ?? '/'}`, { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    onward.on('error', () => res.destroy());
    req.pipe(onward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

test('behind TLS with a private CA, the everai command trusts NODE_EXTRA_CA_CERTS; plain HTTP never loads it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'everai-tls-'));
  const platform = await startTestPlatform([], 'sqlite');
  const { ca, key, cert } = makeCertificates(dir);
  const front = await startTlsFront(platform.url, key, cert);
  try {
    const overTls = { ...platform.env, EVERAI_ENDPOINT: front.url, NODE_EXTRA_CA_CERTS: ca, EVERAI_VOLUME_ROOT: join(dir, 'volumes') };
    const everai = (args: string[], env: NodeJS.ProcessEnv = overTls) => runCli(args, { env, launcher: true });

    // A volume's bytes both ways, through node:http(s) (the CLI's JSON calls and its transfers).
    assert.equal((await everai(['volume', 'create', 'weights'])).code, 0);
    const path = (JSON.parse((await everai(['volume', 'get', 'weights', '-o', 'json'])).stdout) as { path: string }).path;
    mkdirSync(join(path, 'shard'), { recursive: true });
    const bytes = Buffer.alloc(3 << 20, 'everai');
    writeFileSync(join(path, 'shard', 'part-0.bin'), bytes);
    const pushed = await everai(['volume', 'push', 'weights']);
    assert.equal(pushed.code, 0, pushed.stderr);
    const elsewhere = { ...overTls, EVERAI_VOLUME_ROOT: join(dir, 'elsewhere') };
    const pulled = await everai(['volume', 'pull', 'weights', '-o', 'json'], elsewhere);
    assert.equal(pulled.code, 0, pulled.stderr);
    const pulledPath = (JSON.parse((await everai(['volume', 'get', 'weights', '-o', 'json'], elsewhere)).stdout) as { path: string }).path;
    assert.ok(readFileSync(join(pulledPath, 'shard', 'part-0.bin')).equals(bytes), 'the pulled file is the pushed one');

    // A streamed answer (an app's logs): the server's answer, not a TLS failure.
    const logs = await everai(['app', 'logs', 'no-such-app']);
    assert.notEqual(logs.code, 0);
    assert.match(logs.stderr, /not found/i);

    // An endpoint named on the command line only, as `login` takes it.
    const { EVERAI_ENDPOINT: _configured, ...unconfigured } = overTls;
    const login = await everai(['login', '--token', platform.token, '--endpoint', front.url], { ...unconfigured, EVERAI_HOME: join(dir, 'home') });
    assert.equal(login.code, 0, login.stderr);
    assert.match(login.stdout, new RegExp(`^Logged in to ${front.url} as admin`));

    // Without the CA the same call fails, on the certificate.
    const { NODE_EXTRA_CA_CERTS: _ca, ...untrusting } = overTls;
    const refused = await everai(['volume', 'list'], untrusting);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /certificate this machine does not trust .*NODE_EXTRA_CA_CERTS/);

    // A file Node cannot load makes it warn as it starts: the command that speaks plain HTTP never
    // loads it, the one that may speak TLS does.
    const missing = join(dir, 'no-such-ca.pem');
    const plain = await everai(['volume', 'list'], { ...overTls, EVERAI_ENDPOINT: platform.url, NODE_EXTRA_CA_CERTS: missing });
    assert.equal(plain.code, 0, plain.stderr);
    assert.match(plain.stdout, /weights/);
    assert.doesNotMatch(plain.stderr, /extra certs/);
    const secure = await everai(['volume', 'list'], { ...overTls, NODE_EXTRA_CA_CERTS: missing });
    assert.match(secure.stderr, /Ignoring extra certs from `[^`]*no-such-ca\.pem`/);
  } finally {
    await new Promise<void>((resolve) => front.server.close(() => resolve()));
    front.server.closeAllConnections();
    await platform.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
