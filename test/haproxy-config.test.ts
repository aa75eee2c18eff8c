import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { dispatchPortFor, renderHaproxyConfig, type HaproxyServer } from '../src/server/gateway/haproxy/haproxy-config';
import { mapFileText, routeEntries, tokenEntries } from '../src/server/gateway/haproxy/haproxy-maps';
import { readServedLines, type HaproxyServed } from '../src/server/gateway/haproxy/haproxy-access';
import { countSessions, parseShowStat, serversInService } from '../src/server/gateway/haproxy/haproxy-stats';
import { listeningFd, workerPids } from '../src/server/gateway/haproxy/haproxy-process';
import { app, user } from './helpers/store-records';

// The HAProxy data plane's generated parts, without a server: the config HAProxy accepts, and which
// apps and tokens its maps hold.

test('the generated config is one HAProxy accepts, with a backend per app and its workers', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'everai-haproxy-'));
  const publicSocket = createServer();
  try {
    const files = { socket: join(dir, 'api.sock'), activatorSocket: join(dir, 'activator.sock'), dispatchSocket: join(dir, 'dispatch.sock'), uploadSocket: join(dir, 'upload.sock'), routesMap: join(dir, 'routes.map'), tokensMap: join(dir, 'tokens.map') };
    writeFileSync(files.routesMap, '');
    writeFileSync(files.tokensMap, '');
    const config = renderHaproxyConfig({
      nodePort: 1,
      publicPort: 1002,
      maxRequestBodyBytes: 1024,
      activatorSecret: '0123abcd',
      files,
      backends: [
        {
          appId: 'A1',
          appName: "it's $HOME",
          concurrency: 3,
          queueTimeoutMs: 2000,
          servers: [
            { id: 'W1', host: '127.0.0.1', port: 2, servicePorts: {}, draining: false, inMaintenance: false },
            { id: 'W2', host: '127.0.0.1', port: 3, servicePorts: {}, draining: true, inMaintenance: true },
          ],
        },
      ],
    });
    assert.match(config, /^backend app_A1$/m);
    // Ports are offsets from the public port's (1002): requests HAProxy routes alone reach port 2.
    assert.match(config, /^ {2}server W1 127\.0\.0\.1:-1000 maxconn 3 pool-max-conn \d+ pool-purge-delay 5s check port 2 .* on-error mark-down$/m);
    // With no worker up, the app's requests go to the Node gateway's queue through the activator.
    assert.match(config, /^ {2}server activator unix@\S+activator\.sock backup non-stick$/m);
    assert.match(config, /^ {2}http-request set-header x-everai-activator 0123abcd$/m);
    assert.match(config, /^ {2}server W2 127\.0\.0\.1:-999 maxconn 3 .* disabled$/m);
    // What the Node server forwards to a worker comes in through the dispatch frontend, to the app's
    // backend by its id (the activator above is non-stick: its requests come back there).
    assert.match(config, /^frontend dispatch\n {2}bind unix@\S+dispatch\.sock mode 600$/m);
    assert.match(config, /^ {2}use_backend app_%\[var\(txn\.app\)\]$/m);
    writeFileSync(join(dir, 'haproxy.cfg'), config);
    // HAProxy checks the public socket it is handed, as the server hands it one.
    await new Promise<void>((resolve) => publicSocket.listen(0, '127.0.0.1', resolve));
    const check = spawnSync('haproxy', ['-c', '-f', join(dir, 'haproxy.cfg')], { stdio: ['ignore', 'pipe', 'pipe', listeningFd(publicSocket)], encoding: 'utf8' });
    assert.equal(check.status, 0, check.stderr);
  } finally {
    publicSocket.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a service port is reached through HAProxy only when every worker it may pick keeps it at one distance from its main port", () => {
  const worker = (id: string, port: number, admin: number | undefined, state: 'serving' | 'draining' | 'in maintenance' = 'serving'): HaproxyServer => ({
    id,
    host: '127.0.0.1',
    port,
    servicePorts: admin === undefined ? { 8080: port } : { 8080: port, 8081: admin },
    draining: state !== 'serving',
    inMaintenance: state === 'in maintenance',
  });
  // The public port plus the distance: each server's offset then turns it into its own service port.
  assert.equal(dispatchPortFor([worker('A', 40000, 40001), worker('B', 45000, 45001)], '8081', 30000), 30001);
  assert.equal(dispatchPortFor([worker('A', 40000, 40001)], '8080', 30000), 30000);
  // Below zero or past 65535, the port wraps as HAProxy's sum does.
  assert.equal(dispatchPortFor([worker('A', 40000, 100)], '8081', 30000), 30000 + 100 - 40000 + 65536);
  assert.equal(dispatchPortFor([worker('A', 100, 40000)], '8081', 30000), 30000 + 40000 - 100 - 65536);
  // Two layouts (an upgrade that moved a port), a worker without the port, no worker: the gateway picks the worker.
  assert.equal(dispatchPortFor([worker('A', 40000, 40001), worker('B', 45000, 45002)], '8081', 30000), undefined);
  assert.equal(dispatchPortFor([worker('A', 40000, 40001), worker('B', 45000, undefined)], '8081', 30000), undefined);
  assert.equal(dispatchPortFor([], '8081', 30000), undefined);
  // A draining worker counts too: HAProxy may pick it until its maintenance is set; from then on, it does not.
  assert.equal(dispatchPortFor([worker('A', 40000, 40001), worker('B', 45000, 45009, 'draining')], '8081', 30000), undefined);
  assert.equal(dispatchPortFor([worker('A', 40000, 40001), worker('B', 45000, 45009, 'in maintenance')], '8081', 30000), 30001);
  assert.equal(dispatchPortFor([worker('B', 45000, 45009, 'in maintenance')], '8081', 30000), undefined);
});

test('the routes map holds only apps HAProxy may serve alone; the tokens map holds each token hash', () => {
  const alice = user('alice');
  const bob = user('bob');
  const served = app(alice, 'one');
  const open = { ...app(alice, 'open'), routeAuth: 'public' as const };
  const paused = { ...app(alice, 'paused'), paused: true };
  const atZero = app(alice, 'zero');
  // Two owners' apps share `default/same`: only their route names are unambiguous.
  const mine = app(alice, 'same');
  const theirs = app(bob, 'same');
  const routable = (id: string) => id !== atZero.id;
  const entries = routeEntries([served, open, paused, atZero, mine, theirs], routable);
  assert.deepEqual(
    [...entries].sort(),
    [
      ['routes/v1/default/one', `app_${served.id}|${alice.id}|default/one|${served.routeName}`],
      [`apps/v1/routes/${served.routeName}`, `app_${served.id}|${alice.id}|default/one|${served.routeName}`],
      ['routes/v1/default/open', `app_${open.id}|*|default/open|${open.routeName}`],
      [`apps/v1/routes/${open.routeName}`, `app_${open.id}|*|default/open|${open.routeName}`],
      [`apps/v1/routes/${mine.routeName}`, `app_${mine.id}|${alice.id}|default/same|${mine.routeName}`],
      [`apps/v1/routes/${theirs.routeName}`, `app_${theirs.id}|${bob.id}|default/same|${theirs.routeName}`],
    ].sort(),
  );
  assert.equal(mapFileText(tokenEntries([alice])), `${alice.tokenHash} ${alice.id}|alice\n`);
});

test('the queue, load and session pins are read from HAProxy stats and stick table', () => {
  const csv = ['# pxname,svname,qcur,qmax,scur,smax', 'app_A,W1,2,2,4,4', 'app_A,BACKEND,3,3,4,4', ''].join('\n');
  assert.deepEqual(
    [...parseShowStat(csv)],
    [
      ['app_A/W1', { qcur: 2, scur: 4 }],
      ['app_A/BACKEND', { qcur: 3, scur: 4 }],
    ],
  );
  // Several apps' tables in one answer (`show table app_A;show table app_B;show table app_C`): app_C is
  // not in HAProxy yet.
  const tables = [
    '# table: app_A, type: string, size:102400, used:3',
    '0x1: key=s1 use=0 exp=1 server_id=1 server_key=W1',
    '0x2: key=s2 use=0 exp=1 server_id=1 server_key=W1',
    '0x3: key=s3 use=0 exp=1 server_id=2 server_key=W2',
    '',
    '# table: app_B, type: string, size:102400, used:1',
    '0x4: key=s4 use=0 exp=1 server_id=1 server_key=W3',
    '',
    'No such table',
    '',
  ].join('\n');
  assert.deepEqual(
    [...countSessions(tables)].map(([table, servers]) => [table, [...servers]]),
    [
      [
        'app_A',
        [
          ['W1', 2],
          ['W2', 1],
        ],
      ],
      ['app_B', [['W3', 1]]],
    ],
  );
});

test('a backend\'s servers in service are read from its servers state, the activator among them', () => {
  const state = [
    '1',
    '# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight',
    '4 app_A 1 activator - 2 0 1 1',
    '4 app_A 2 W1 127.0.0.1 2 0 1 1',
    // Down (its check failed), in maintenance (draining), and both.
    '4 app_A 3 W2 127.0.0.1 0 0 1 1',
    '4 app_A 4 W3 127.0.0.1 2 1 1 1',
    '4 app_A 5 W4 127.0.0.1 0 1 1 1',
    '',
  ].join('\n');
  assert.deepEqual(serversInService(state), ['activator', 'W1']);
  assert.deepEqual(serversInService(''), []);
});

test("the master CLI's process list: every worker, the old ones a reload left included", () => {
  const listing = [
    '#<PID>          <type>          <reloads>       <uptime>        <version>      ',
    '19667           master          2 [failed: 0]   0d00h00m25s     2.6.12-1+deb12u4',
    '# workers',
    '19831           worker          0               0d00h00m06s     2.6.12-1+deb12u4',
    '# old workers',
    '19771           worker          1               0d00h00m14s     2.6.12-1+deb12u4',
    '19675           worker          2               0d00h00m24s     2.6.12-1+deb12u4',
    '# programs',
    '',
  ].join('\n');
  assert.deepEqual(workerPids(listing), ['19831', '19771', '19675']);
  assert.deepEqual(workerPids(''), []);
});

test("HAProxy's ring lines: each request served straight from a worker, marked when cut", () => {
  const text = [
    'W1 app_A 200 3 15 ---- GET 120 1767225600 007 40 /x',
    'W1 app_A 200 0 9000 CD-- GET 512 1767225600 500 9001 /sse',
    'W2 app_B 404 0 1 ---- POST 99 1767225601 000 1 /',
    'W2 app_B 200 0 1 ---- GET 99 - - - /no-date',
    // The activator's requests the Node server logs and counts; HAProxy's own news is no request.
    'activator app_A 200 0 4 ---- GET 80 1767225600 000 4 /y',
    'W1 app_A -1 -1 2 CR-- GET 0 1767225600 000 2 /z',
    'Proxy app_A stopped (cumulated conns: FE: 0, BE: 22).',
    '',
  ].join('\n');
  const served: HaproxyServed[] = [];
  readServedLines(text, (request) => served.push(request));
  const at = Date.UTC(2026, 0, 1);
  assert.deepEqual(served, [
    { backend: 'app_A', worker: 'W1', method: 'GET', path: '/x', status: 200, queueMs: 3, durationMs: 15, bytes: 120, endedAt: at + 47, aborted: false },
    { backend: 'app_A', worker: 'W1', method: 'GET', path: '/sse', status: 200, queueMs: 0, durationMs: 9000, bytes: 512, endedAt: at + 9501, aborted: true },
    { backend: 'app_B', worker: 'W2', method: 'POST', path: '/', status: 404, queueMs: 0, durationMs: 1, bytes: 99, endedAt: at + 1001, aborted: false },
    { backend: 'app_B', worker: 'W2', method: 'GET', path: '/no-date', status: 200, queueMs: 0, durationMs: 1, bytes: 99, endedAt: (served[3] as HaproxyServed).endedAt, aborted: false },
  ]);
  assert.ok(Math.abs((served[3] as HaproxyServed).endedAt - Date.now()) < 60_000, 'a line without a date is stamped when read');
});
