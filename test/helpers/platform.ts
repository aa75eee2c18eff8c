import { spawn, type ChildProcess } from 'node:child_process';
import { after, before } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EVERAI_BIN, runCli, SERVER_NODE_FLAGS, type CliResult } from './cli';
import { killWorkerProcesses } from '../../src/server/runtime/process/worker-processes';
import { removeContainers } from '../../src/server/runtime/container/server-containers';
import { findOciRuntime } from '../../src/server/runtime/container/oci-runtime-cli';
import { createTestDatabase, type TestDatabase } from './postgres';

export interface TestPlatform {
  url: string;
  token: string;
  home: string;
  dataDir: string;
  /** The env a user's shell would have after `everai login`. */
  env: NodeJS.ProcessEnv;
  /** Runs the CLI as the logged-in admin; `cwd` is where app.ts lives. */
  cli(args: string[], options?: { cwd?: string; input?: string }): Promise<CliResult>;
  /** Everything the server printed so far. */
  log(): string;
  /** The server's process id. */
  pid: number;
  /** SIGKILL: a crash, leaving workers to a restart. */
  kill(): Promise<void>;
  /** Starts the server again on the same data folder (a new port). */
  restart(): Promise<void>;
  /** Stops the server and every worker it started, and removes the temp folders. */
  stop(): Promise<void>;
}

/** Which runtime the test servers use: containers, as a user gets by default, unless EVERAI_RUNTIME=process. */
export function platformRuntime(): 'container' | 'process' {
  return process.env.EVERAI_RUNTIME === 'process' ? 'process' : 'container';
}

export type TestStore = 'sqlite' | 'postgres';

/**
 * Which store the test servers use: SQLite in the data folder, unless EVERAI_TEST_STORE=postgres
 * (the *-on-postgres test files set it to run a file once more on EVERAI_TEST_PG_URL).
 */
export function platformStore(): TestStore {
  return process.env.EVERAI_TEST_STORE === 'postgres' ? 'postgres' : 'sqlite';
}

interface ServerProcess {
  child: ChildProcess;
  url: string;
  token: string;
}

function spawnServer(home: string, dataDir: string, output: { text: string }, serverArgs: readonly string[]): Promise<ServerProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...SERVER_NODE_FLAGS, EVERAI_BIN, 'server', '--listen', '127.0.0.1:0', '--data', dataDir, ...serverArgs], {
      env: { ...process.env, EVERAI_HOME: home },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let own = '';
    let started = false;
    const onData = (d: Buffer) => {
      output.text += d.toString();
      // Only until it started: searching all it printed on each access line would cost a busy server's test (or bench) a CPU.
      if (started) return;
      own += d.toString();
      const url = /listening on (\S+)/.exec(own)?.[1];
      const token = /everai login --token (\S+)/.exec(own)?.[1];
      if (url && token) {
        started = true;
        resolve({ child, url, token });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`server exited with ${code} before listening:\n${output.text}`)));
  });
}

/**
 * The real server in its own process on port 0, with its own EVERAI_HOME, logged in as admin;
 * `serverArgs` go to `everai server` (on a restart too). On PostgreSQL each server gets a database
 * of its own, dropped at stop.
 */
export async function startTestPlatform(serverArgs: readonly string[] = [], store: TestStore = platformStore()): Promise<TestPlatform> {
  const home = mkdtempSync(join(tmpdir(), 'everai-test-'));
  const dataDir = join(home, 'server');
  const output = { text: '' };
  const database: TestDatabase | undefined = store === 'postgres' ? await createTestDatabase() : undefined;
  const args = database ? [...serverArgs, '--store', database.url] : serverArgs;
  let server = await spawnServer(home, dataDir, output, args);
  const env = (): NodeJS.ProcessEnv => ({ EVERAI_HOME: home, EVERAI_ENDPOINT: server.url });
  const login = await runCli(['login', '--token', server.token], { env: env() });
  if (login.code !== 0) throw new Error(`login failed: ${login.stderr}`);

  const waitExit = (child: ChildProcess) =>
    new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));

  const platform: TestPlatform = {
    get url() {
      return server.url;
    },
    get token() {
      return server.token;
    },
    home,
    dataDir,
    get env() {
      return env();
    },
    cli: (args, options = {}) => runCli(args, { env: env(), ...options }),
    log: () => output.text,
    get pid() {
      return server.child.pid ?? 0;
    },
    kill: async () => {
      server.child.kill('SIGKILL');
      await waitExit(server.child);
    },
    restart: async () => {
      server = await spawnServer(home, dataDir, output, args);
    },
    stop: async () => {
      server.child.kill('SIGTERM');
      await waitExit(server.child);
      // A worker left by a crash test (or a bug) must not outlive the test.
      await killWorkerProcesses(dataDir);
      if (platformRuntime() === 'container') await removeContainers(dataDir, await findOciRuntime());
      rmSync(home, { recursive: true, force: true });
      await database?.drop();
    },
  };
  return platform;
}

export interface UsePlatformOptions {
  /** Passed to `everai server`, as `startTestPlatform` takes them. */
  serverArgs?: readonly string[];
  /** A reason the file's tests are skipped: then no server is started (the tests skip with the same reason). */
  skip?: string | boolean;
  /**
   * The file's own preparation (deploy an app, add a user), run in the same hook once the server
   * is up. Not a separate `before`: Node 20 starts a file's top-level `before` hooks together, so
   * one registered after this call could run before the server listens.
   */
  setup?: () => Promise<void>;
}

/**
 * The one server a test file shares: registers `before` (start it) and `after` (stop it) at the
 * caller's file scope and returns a TestPlatform that stands in for it, so a test reads
 * `platform.cli(...)` as before, and a helper that takes a TestPlatform takes it.
 */
export function usePlatform(options: UsePlatformOptions = {}): TestPlatform {
  let started: TestPlatform | undefined;
  before(async () => {
    if (options.skip) return;
    started = await startTestPlatform(options.serverArgs);
    await options.setup?.();
  });
  after(async () => {
    await started?.stop();
  });
  const current = (): TestPlatform => {
    if (started) return started;
    // Read at file scope, in a skipped file, or after a failed start: say which, not `undefined`.
    throw new Error(
      options.skip ? `the test platform was not started: ${String(options.skip)}` : 'the test platform is used before its `before` hook started it (or the start failed)',
    );
  };
  return {
    get url() {
      return current().url;
    },
    get token() {
      return current().token;
    },
    get home() {
      return current().home;
    },
    get dataDir() {
      return current().dataDir;
    },
    get env() {
      return current().env;
    },
    cli: (args, cliOptions) => current().cli(args, cliOptions),
    log: () => current().log(),
    get pid() {
      return current().pid;
    },
    kill: () => current().kill(),
    restart: () => current().restart(),
    stop: () => current().stop(),
  };
}
