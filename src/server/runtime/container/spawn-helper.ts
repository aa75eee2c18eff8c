import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

/** A program to start detached, its stdout and stderr appended to `output`, fd 3 a pipe whose first line comes back. */
export interface DetachedRequest {
  kind: 'detached';
  id: number;
  file: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  output: string;
}

/** A program to run to its end with `input` on its stdin: its exit code and stderr come back. */
export interface RunRequest {
  kind: 'run';
  id: number;
  file: string;
  args: string[];
  input: string;
}

export type HelperRequest = DetachedRequest | RunRequest;

export interface HelperReply {
  id: number;
  /** A detached program's first line on fd 3 ('' if it wrote none or never started). */
  syncLine: string;
  /** A run program's exit code (null: it could not start, or was killed). */
  code: number | null;
  stderr: string;
}

const MAIN = join(__dirname, 'spawn-helper-main.js');

type Request<T> = T extends HelperRequest ? Omit<T, 'id'> : never;

/**
 * Starts programs from a small helper process (spawn-helper-main.ts) rather than from the server:
 * forking copies the forking process's page tables, so a server holding a hundred MB and more
 * blocks its event loop 10–20 ms on each spawn, on the cold start's path; the helper takes about
 * one. It is forked once, while the server is still small, and again should it ever die.
 */
export class SpawnHelper {
  private child: ChildProcess | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, (reply: HelperReply) => void>();

  constructor() {
    this.helper();
  }

  private helper(): ChildProcess {
    if (this.child?.connected) return this.child;
    const child = fork(MAIN, [], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    child.on('message', (reply: HelperReply) => {
      this.pending.get(reply.id)?.(reply);
      this.pending.delete(reply.id);
      if (this.pending.size === 0) channelOf(child)?.unref();
    });
    // A helper gone mid-request started the program or not: that start is reported as failed, never retried.
    child.once('exit', () => {
      for (const [id, settle] of this.pending) settle({ id, syncLine: '', code: null, stderr: 'the spawn helper ended' });
      this.pending.clear();
    });
    child.once('error', () => undefined);
    // Only a request waiting for its reply holds the server's event loop open, not the idle helper.
    child.unref();
    channelOf(child)?.unref();
    this.child = child;
    return child;
  }

  private ask(request: Request<HelperRequest>): Promise<HelperReply> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      const child = this.helper();
      channelOf(child)?.ref();
      child.send({ ...request, id });
    });
  }

  /** Starts a program that outlives it (conmon daemonizes); what it writes on fd 3 up to a newline. */
  async spawnDetached(request: Request<DetachedRequest>): Promise<string> {
    return (await this.ask(request)).syncLine;
  }

  /** Runs a program to its end, `input` on its stdin. */
  async run(file: string, args: string[], input: string): Promise<{ code: number | null; stderr: string }> {
    const { code, stderr } = await this.ask({ kind: 'run', file, args, input });
    return { code, stderr };
  }

  close(): void {
    if (this.child?.connected) this.child.disconnect();
    this.child = undefined;
  }
}

/** The IPC channel, which keeps the event loop open while ref'd (typed loosely by @types/node). */
function channelOf(child: ChildProcess): { ref(): void; unref(): void } | undefined {
  return child.channel as { ref(): void; unref(): void } | undefined;
}
