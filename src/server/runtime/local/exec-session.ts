import { spawn, type ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { constants } from 'node:os';
import { PassThrough } from 'node:stream';
import type { ExecRequest, ExecSession } from '../runtime';

export interface ExecOptions {
  /** What runs on this machine: the command itself, or the OCI runtime's `exec` of it. */
  argv: string[];
  tty: ExecRequest['tty'];
  cwd: string;
  env: Record<string, string>;
}

/** POSIX shell quoting: every word in single quotes. */
function shellQuote(argv: readonly string[]): string {
  return argv.map((word) => `'${word.replace(/'/g, `'\\''`)}'`).join(' ');
}

/**
 * Runs a command for `everai worker exec` in its own process group. With a terminal, util-linux's
 * `script` gives it a real pseudo-terminal (no native module needed): the command runs on the pty
 * slave, sized with `stty` first, and resized later with `stty -F` on that slave, which makes the
 * kernel send SIGWINCH to the command (an OCI runtime's exec passes the size on to the container).
 */
export function startExec(options: ExecOptions): Promise<ExecSession> {
  const [first = '', ...rest] = options.argv;
  let child: ChildProcess;
  if (options.tty) {
    const { rows, cols } = options.tty;
    const line = `stty rows ${rows} cols ${cols} 2>/dev/null; exec ${shellQuote(options.argv)}`;
    child = spawn('script', ['-qfec', line, '/dev/null'], { cwd: options.cwd, env: { ...options.env, SHELL: '/bin/sh' }, detached: true });
  } else {
    child = spawn(first, rest, { cwd: options.cwd, env: options.env, detached: true });
  }
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('spawn', () => {
      const pid = child.pid as number;
      const exited = new Promise<number>((done) => {
        child.once('close', (code, signal) => done(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0)));
      });
      resolve({
        stdin: options.tty ? terminalInput(child.stdin as NodeJS.WritableStream) : (child.stdin as NodeJS.WritableStream),
        stdout: child.stdout as NodeJS.ReadableStream,
        stderr: child.stderr as NodeJS.ReadableStream,
        resize: (rows, cols) => {
          if (options.tty) void resizeTerminal(pid, rows, cols);
        },
        exited,
        kill: () => {
          try {
            process.kill(-pid, 'SIGKILL');
          } catch {
            // Already gone.
          }
        },
      });
    });
  });
}

/**
 * What the client types into a terminal reaches it byte for byte (its Ctrl-D included), so the
 * end of the client's input is not passed on: `script` would answer it by writing an end-of-file
 * character into the terminal, which a program in raw mode (an OCI runtime's exec) forwards as a
 * stray byte.
 */
function terminalInput(stdin: NodeJS.WritableStream): NodeJS.WritableStream {
  const input = new PassThrough();
  input.pipe(stdin, { end: false });
  return input;
}

/** The pty slave is the command's stdin: `script`'s child holds it as fd 0. */
async function resizeTerminal(scriptPid: number, rows: number, cols: number): Promise<void> {
  const children = await fs.readFile(`/proc/${scriptPid}/task/${scriptPid}/children`, 'utf8').catch(() => '');
  const child = children.trim().split(/\s+/)[0];
  if (!child) return;
  const tty = await fs.readlink(`/proc/${child}/fd/0`).catch(() => undefined);
  if (!tty?.startsWith('/dev/pts/')) return;
  spawn('stty', ['-F', tty, 'rows', String(rows), 'cols', String(cols)], { stdio: 'ignore' }).on('error', () => undefined);
}
