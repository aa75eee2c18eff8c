import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { findHaproxy } from '../src/server/gateway/haproxy/haproxy-binary';
import { runCli } from './helpers/cli';
import { startTestPlatform, type TestPlatform } from './helpers/platform';

// Which data plane `everai server` runs: HAProxy where it is installed (`auto`, the default), the
// Node gateway alone where it is not or when asked; its first lines say which, and what to install.

const NO_HAPROXY = '/nonexistent/haproxy';

let home: string;
before(() => {
  home = mkdtempSync(join(tmpdir(), 'everai-plane-'));
});
after(() => rmSync(home, { recursive: true, force: true }));

/** A server started with these environment variables set (undefined: unset), and stopped after `check`. */
async function withServer(env: Record<string, string | undefined>, serverArgs: string[], check: (platform: TestPlatform) => Promise<void>): Promise<void> {
  const previous = Object.fromEntries(Object.keys(env).map((name) => [name, process.env[name]]));
  const set = (values: Record<string, string | undefined>) => {
    for (const [name, value] of Object.entries(values)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
  set(env);
  let platform: TestPlatform | undefined;
  try {
    platform = await startTestPlatform(serverArgs);
    await check(platform);
  } finally {
    set(previous);
    await platform?.stop();
  }
}

async function healthy(platform: TestPlatform): Promise<void> {
  assert.equal((await fetch(`${platform.url}/healthz`)).status, 200);
}

test('by default, without HAProxy, the Node gateway serves alone and the server says what to install', async () => {
  await withServer({ EVERAI_DATA_PLANE: undefined, EVERAI_HAPROXY: NO_HAPROXY }, [], async (platform) => {
    assert.match(platform.log(), /^data plane: node, the Node gateway alone \(HAProxy is not installed; apt-get install -y haproxy makes it the data plane\)$/m);
    assert.equal(existsSync(join(platform.dataDir, 'haproxy')), false, 'no HAProxy was started');
    await healthy(platform);
  });
});

test('by default, where HAProxy is installed, it is the data plane in front of the server', async (t) => {
  if (!(await findHaproxy())) return t.skip('HAProxy is not installed');
  await withServer({ EVERAI_DATA_PLANE: undefined }, [], async (platform) => {
    assert.match(platform.log(), /^data plane: haproxy \(\S+\) on the listen address, the Node gateway behind it; --data-plane node for the Node gateway alone$/m);
    assert.ok(existsSync(join(platform.dataDir, 'haproxy', 'haproxy.pid')), 'HAProxy runs');
    await healthy(platform);
  });
});

test('--data-plane node keeps the Node gateway alone, even where HAProxy is installed', async () => {
  await withServer({ EVERAI_DATA_PLANE: 'haproxy' }, ['--data-plane', 'node'], async (platform) => {
    assert.match(platform.log(), /^data plane: node, the Node gateway alone \(--data-plane node\)$/m);
    assert.equal(existsSync(join(platform.dataDir, 'haproxy')), false, 'no HAProxy was started');
    await healthy(platform);
  });
});

test('--data-plane haproxy without HAProxy is refused in one line that names the package', async () => {
  const result = await runCli(['server', '--data-plane', 'haproxy', '--listen', '127.0.0.1:0', '--data', join(home, 'refused')], {
    env: { EVERAI_HOME: home, EVERAI_HAPROXY: NO_HAPROXY },
    timeoutMs: 30_000,
  });
  assert.notEqual(result.code, 0);
  assert.equal(result.stderr, `Error: --data-plane haproxy: no ${NO_HAPROXY} to run; install HAProxy (apt-get install -y haproxy), or run with --data-plane node\n`);
});

test("an HAProxy that does not start fails the server's start with its words, and the server exits", async () => {
  // An HAProxy that says why it cannot start and exits, as one whose port was taken meanwhile does.
  const broken = join(home, 'broken-haproxy');
  writeFileSync(broken, '#!/bin/sh\necho "[ALERT] (1) : Starting frontend public: cannot bind socket" >&2\nexit 1\n', { mode: 0o755 });
  const result = await runCli(['server', '--data-plane', 'haproxy', '--listen', '127.0.0.1:0', '--data', join(home, 'broken')], {
    env: { EVERAI_HOME: home, EVERAI_HAPROXY: broken },
    timeoutMs: 30_000,
  });
  assert.equal(result.code, 2, `the server ran on (-1: killed after 30 s): ${result.stderr}`);
  assert.match(result.stderr, /^Error: haproxy did not start: \[ALERT\] \(1\) : Starting frontend public: cannot bind socket$/m);
});

test('an unknown plane in EVERAI_DATA_PLANE is refused with the choices', async () => {
  const result = await runCli(['server', '--data', join(home, 'unknown')], { env: { EVERAI_HOME: home, EVERAI_DATA_PLANE: 'nginx' } });
  assert.notEqual(result.code, 0);
  assert.match(result.stderr, /'nginx' from env 'EVERAI_DATA_PLANE' is invalid.*auto, haproxy, node/);
});
