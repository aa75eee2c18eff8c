import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';

export const REPO_ROOT = join(__dirname, '..', '..', '..');
/** The CLI's entry, run with this process's node. */
export const EVERAI_BIN = join(REPO_ROOT, 'bin', 'everai.js');
/** The `everai` command a user runs: a launcher that gives the server its node flags. */
export const EVERAI_LAUNCHER = join(REPO_ROOT, 'bin', 'everai');
/** A PATH on which the launcher's `node` is this process's node. */
export const PATH_WITH_THIS_NODE = `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}`;
/** The node flags the launcher gives the server (its `server_flags='...'` line): a test's server runs with them, as a user's does. */
export const SERVER_NODE_FLAGS = (/^server_flags='([^']*)'$/m.exec(readFileSync(EVERAI_LAUNCHER, 'utf8'))?.[1] ?? '').split(/\s+/).filter(Boolean);
/**
 * One build cache for the whole suite (and later runs): the node base and SDK runtime layers are
 * built once, not per test's EVERAI_HOME. Never removed by a test; its writes are atomic.
 */
export const TEST_BUILD_CACHE = join(tmpdir(), 'everai-test-build-cache');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the real `everai` CLI as a user would, in its own process: its entry with this process's
 * node, or with `launcher` the `everai` command itself (bin/everai, with node from PATH).
 */
export function runCli(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; input?: string; timeoutMs?: number; launcher?: boolean } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const [command, argv] = options.launcher ? [EVERAI_LAUNCHER, args] : [process.execPath, [EVERAI_BIN, ...args]];
    const child = spawn(command, argv, {
      cwd: options.cwd ?? REPO_ROOT,
      env: { ...process.env, ...(options.launcher ? { PATH: PATH_WITH_THIS_NODE } : {}), EVERAI_BUILD_CACHE: TEST_BUILD_CACHE, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
    // A pipe with no reader (the CLI never started, or closed its stdin first) fails the write with
    // EPIPE: the child's own 'error' or its exit says what happened, not an uncaught EPIPE.
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}

/**
 * Runs the CLI on a pseudo-terminal (util-linux `script`), as a user at a shell does, typing
 * `typed` into it: for the questions the CLI asks only on a terminal. Output is the terminal's.
 */
export function runCliOnTerminal(args: string[], typed: string, options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const line = [process.execPath, EVERAI_BIN, ...args].map((word) => `'${word.replaceAll("'", "'\\''")}'`).join(' ');
    const child = spawn('script', ['-qec', line, '/dev/null'], {
      cwd: options.cwd ?? REPO_ROOT,
      env: { ...process.env, EVERAI_BUILD_CACHE: TEST_BUILD_CACHE, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      // Type the answer once the question is on the screen, as a person would.
      if (stdout.includes('[y/N]') && child.stdin.writable) child.stdin.end(typed);
    });
    child.stderr.on('data', (d: Buffer) => (stdout += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr: '' });
    });
  });
}

export interface RunningCli {
  child: ChildProcess;
  /** What it printed on stdout so far. */
  stdout(): string;
  /** Resolves with how it ended: its exit code, or the signal that ended it. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts the real `everai` CLI and leaves it running (a command that follows), as a user's terminal would. */
export function startCli(args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): RunningCli {
  const child = spawn(process.execPath, [EVERAI_BIN, ...args], {
    cwd: options.cwd ?? REPO_ROOT,
    env: { ...process.env, EVERAI_BUILD_CACHE: TEST_BUILD_CACHE, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.resume();
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
  return { child, stdout: () => stdout, exited };
}
