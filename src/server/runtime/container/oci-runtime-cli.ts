import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:os';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { EveraiError } from '../../../contract/errors';
import { releaseExecFifo } from './exec-fifo';
import { findOnPath } from '../../find-on-path';

const run = promisify(execFile);

/** OCI runtimes we drive, in order of preference; both take the same commands (runc's CLI). */
const CANDIDATES = ['runc', 'crun'];

/** What `state` says of a container (runtime-spec, runtime.md "State"). */
export interface ContainerState {
  id: string;
  pid: number;
  status: 'creating' | 'created' | 'running' | 'stopped' | 'paused';
}

/**
 * The subset of runc's command line the container runtime uses. State lives under `root`, one
 * folder per server data folder, so `list` names exactly this server's containers.
 */
export class OciRuntimeCli {
  constructor(
    readonly binary: string,
    private readonly root: string,
  ) {}

  /** What goes before every command: where this server's containers are kept. */
  globalArgs(): string[] {
    return ['--root', this.root];
  }

  private args(...rest: string[]): string[] {
    return [...this.globalArgs(), ...rest];
  }

  /**
   * `run --keep` in the foreground, in its own process group: runc stays the container's parent
   * (so its exit status is the program's, 128+N for a signal) and keeps the container, and so its
   * cgroup, until `delete`, so an OOM kill can still be read. Output goes where `stdio` says.
   */
  run(id: string, bundle: string, output: number): ChildProcess {
    return spawn(this.binary, this.args('run', '--keep', '--bundle', bundle, id), { detached: true, stdio: ['ignore', output, output] });
  }

  /** The argv of `exec` in a running container, without a terminal: its env, cwd and user. */
  execArgv(id: string, argv: readonly string[]): string[] {
    return [this.binary, ...this.args('exec', id, ...argv)];
  }

  /** The argv of `exec` of a whole OCI process (config.json's `process` shape) written to `file`. */
  execProcessArgv(id: string, file: string): string[] {
    return [this.binary, ...this.args('exec', '--process', file, id)];
  }

  /**
   * Starts the program of a container `create`d (by conmon), whose init is `initPid`; false if
   * runc could not. runc's own is released through its fifo (exec-fifo.ts), without a runc start.
   */
  async start(id: string, initPid: number): Promise<boolean> {
    if (basename(this.binary) === 'runc' && (await releaseExecFifo(join(this.root, id, 'exec.fifo'), initPid))) return true;
    return run(this.binary, this.args('start', id)).then(
      () => true,
      () => false,
    );
  }

  async kill(id: string, signal: 'TERM' | 'KILL'): Promise<void> {
    await run(this.binary, this.args('kill', id, signal)).catch(() => undefined);
  }

  async delete(id: string): Promise<void> {
    await run(this.binary, this.args('delete', '--force', id)).catch(() => undefined);
  }

  async list(): Promise<ContainerState[]> {
    const { stdout } = await run(this.binary, this.args('list', '--format', 'json'));
    return (JSON.parse(stdout || 'null') as ContainerState[] | null) ?? [];
  }
}

/** The OCI runtime on this machine: `EVERAI_OCI_RUNTIME` if set, else runc, else crun. */
export async function findOciRuntime(): Promise<string> {
  const wanted = process.env.EVERAI_OCI_RUNTIME;
  const found = wanted ? await findOnPath(wanted) : await firstFound(CANDIDATES);
  if (!found) {
    throw new EveraiError(
      'EVERAI_USAGE',
      `no OCI runtime found (${wanted ?? CANDIDATES.join(' or ')}): install one (Debian: apt-get install -y runc iptables), or run \`everai server --runtime process\` for development, where apps are not isolated`,
    );
  }
  return found;
}

async function firstFound(names: readonly string[]): Promise<string | undefined> {
  for (const name of names) {
    const found = await findOnPath(name);
    if (found) return found;
  }
  return undefined;
}

/** runc (and tini) exit with 128+N when the program was killed by signal N, as a shell reports it. */
export function exitOf(code: number | null, signal: NodeJS.Signals | null): { code: number | null; signal: string | null } {
  if (signal) return { code: null, signal };
  if (code !== null && code > 128) {
    const name = Object.entries(constants.signals).find(([, number]) => number === code - 128)?.[0];
    if (name) return { code: null, signal: name };
  }
  return { code, signal: null };
}
