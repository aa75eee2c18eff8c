import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import type { Server } from 'node:net';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { EveraiError } from '../../../contract/errors';
import type { Logger } from '../../logger';
import { PUBLIC_SOCKET_FD } from './haproxy-config';
import { runtimeCommand } from './runtime-socket';

/** How soon a dead HAProxy is started again. */
const RESPAWN_DELAY_MS = 100;
const READY_TIMEOUT_MS = 10_000;
/** How long a reload waits for the master to say it heard the signal, and how many signals it sends. */
const RELOAD_HEARD_MS = 1000;
const RELOAD_SIGNALS = 5;
const SETPRIV = '/usr/bin/setpriv';

export interface HaproxyProcessOptions {
  binary: string;
  configPath: string;
  pidFile: string;
  socket: string;
  /** The master CLI's socket: it reaches the workers a reload left finishing their connections. */
  masterSocket: string;
  /** Binds the public address, before every start: HAProxy takes the listening socket (PUBLIC_SOCKET_FD). */
  bindPublic(): Promise<Server>;
  /** Writes the config and map files from the state now: before every start, a respawn's too. */
  writeConfig(): void;
  /** A new HAProxy worker answers on the socket (after a start, a respawn or a reload); a reload waits for what it returns. */
  onStarted(): Promise<void>;
  log: Logger;
}

/**
 * The descriptor of a listening socket, for a child to inherit. Node names it only on its handle;
 * passing the server itself as a stdio entry is refused (it is not a stream).
 */
export function listeningFd(server: Server): number {
  const fd = (server as unknown as { _handle?: { fd?: number } })._handle?.fd;
  if (fd === undefined || fd < 0) throw new EveraiError('EVERAI_INTERNAL', 'the public socket has no descriptor to hand to haproxy');
  return fd;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** SIGKILLs `pid` if it is an HAProxy process (not a pid the system gave to another since). */
function killHaproxy(pid: number): void {
  try {
    if (pid > 0 && readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'haproxy') process.kill(pid, 'SIGKILL');
  } catch {
    // Gone already.
  }
}

/** The pids of the worker processes the master CLI's `show proc` lists, old ones included. */
export function workerPids(showProc: string): string[] {
  return [...showProc.matchAll(/^(\d+) +worker /gm)].map((match) => match[1] as string);
}

/**
 * One HAProxy in master-worker mode, started, reloaded and supervised by the server: when it dies
 * it starts again at once, from a config written afresh from the server's state, so it comes back
 * with every app and worker it had.
 */
export class HaproxyProcess {
  private child: ChildProcess | undefined;
  private stopping = false;
  /** The pid of the worker process that answers now. */
  private worker: string | undefined;
  /**
   * Whether HAProxy ever answered: only then is one that exits started again. One that never did
   * failed the server's start, which closes the Node server; started again, it took the port alone
   * and held the failed server's process alive.
   */
  private started = false;
  /** Called when the master says it reloads, while a reload waits for it. */
  private reloadHeard: (() => void) | undefined;

  constructor(private readonly options: HaproxyProcessOptions) {}

  async start(): Promise<void> {
    this.killStale();
    await this.spawn();
  }

  /** An HAProxy a crashed server left behind holds the public port and the socket: it goes first. */
  private killStale(): void {
    const { pidFile } = this.options;
    if (!existsSync(pidFile)) return;
    killHaproxy(Number(readFileSync(pidFile, 'utf8').trim()));
    rmSync(pidFile, { force: true });
  }

  private async spawn(): Promise<void> {
    const { binary, configPath, pidFile, masterSocket, log } = this.options;
    const publicSocket = await this.options.bindPublic();
    let child: ChildProcess;
    try {
      this.options.writeConfig();
      const args = ['-W', '-db', '-f', configPath, '-p', pidFile, '-S', `${masterSocket},mode,600`];
      // stdin and stdout ignored, stderr read; then the socket, at the descriptor the config binds.
      const stdio: StdioOptions = ['ignore', 'ignore', 'pipe'];
      stdio[PUBLIC_SOCKET_FD] = listeningFd(publicSocket);
      // setpriv (util-linux) has the kernel kill HAProxy when the server dies, however it dies: a
      // crashed server leaves no HAProxy holding its port. It execs HAProxy: the pid is HAProxy's.
      child = existsSync(SETPRIV) ? spawn(SETPRIV, ['--pdeathsig', 'KILL', '--', binary, ...args], { stdio }) : spawn(binary, args, { stdio });
    } finally {
      // HAProxy holds the socket now, and this process lets go of it before it ever accepts on it:
      // no turn of the event loop has passed since the bind.
      publicSocket.close();
    }
    this.child = child;
    let stderr = '';
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-4000);
      // Its warnings are mostly news (a reload's old worker leaving, a server enabled); alerts are not.
      for (const line of chunk.split('\n')) {
        if (!line.trim()) continue;
        log[/ALERT/.test(line) ? 'warn' : 'debug']('haproxy', { line });
        if (/Reloading HAProxy/.test(line)) this.reloadHeard?.();
      }
    });
    const exited = new Promise<unknown>((resolve) => {
      child.once('exit', resolve);
      // No binary: HAProxy is not installed, or EVERAI_HAPROXY names nothing.
      child.once('error', (error) => {
        stderr += `${binary}: ${error.message} (install HAProxy: apt-get install -y haproxy; or run with --data-plane node)`;
        resolve(error);
      });
    });
    child.once('exit', (code, signal) => {
      if (this.child !== child || this.stopping || !this.started) return;
      this.child = undefined;
      log.warn('haproxy exited; starting it again', { code, signal });
      // A worker outliving its master would take connections on the shared port, then drop them.
      if (this.worker !== undefined) killHaproxy(Number(this.worker));
      void sleep(RESPAWN_DELAY_MS).then(() => (this.stopping ? undefined : this.spawn().catch((error: unknown) => log.error('haproxy did not start again', { error }))));
    });
    const ready = await Promise.race([this.workerPid(undefined), exited.then(() => undefined)]);
    this.worker = ready;
    if (ready === undefined) throw new EveraiError('EVERAI_USAGE', `haproxy did not start: ${stderr.trim()}`);
    this.started = true;
    await this.options.onStarted();
  }

  /** Resolves with the pid of the worker answering on the runtime socket, once it is not `old`. */
  private async workerPid(old: string | undefined): Promise<string | undefined> {
    const until = Date.now() + READY_TIMEOUT_MS;
    while (Date.now() < until && !this.stopping) {
      const pid = await runtimeCommand(this.options.socket, 'show info', 1000).then(
        (info) => /^Pid: (\d+)/m.exec(info)?.[1],
        () => undefined,
      );
      if (pid !== undefined && pid !== old) return pid;
      await sleep(20);
    }
    return undefined;
  }

  /** Loads a new config: a new worker takes new connections, the old one finishes what it holds. */
  async reload(): Promise<void> {
    const child = this.child;
    if (!child?.pid) return;
    const old = await this.workerPid(undefined);
    this.options.writeConfig();
    // A master started a moment ago may drop the signal (seen right after a server's restart: no
    // reload, and new apps' backends missing for good): sent again until the master says it reloads.
    let signals = 1;
    while (!(await this.signalReload(child)) && signals < RELOAD_SIGNALS) {
      this.options.log.debug('haproxy did not say it reloads: signalling it again', { signals: ++signals });
    }
    const worker = await this.workerPid(old);
    if (worker === undefined) {
      this.options.log.warn('haproxy did not load its new config in time: apps it adds go through the Node server until it does');
      return;
    }
    this.worker = worker;
    await this.options.onStarted();
  }

  /**
   * Runs `command` on each worker an earlier config left finishing its connections (the master
   * CLI's `@!PID`): each keeps an idle keep-alive connection for one more request.
   */
  async onOldWorkers(command: string): Promise<void> {
    const { masterSocket, log } = this.options;
    const processes = await this.masterListing();
    // Not only those under `# old workers`: right after a reload the master may list the worker it
    // replaced with the new one a moment longer.
    for (const pid of workerPids(processes).filter((pid) => pid !== this.worker)) {
      const answer = await runtimeCommand(masterSocket, `@!${pid} ${command}`, 1000).catch((error: unknown) => String(error));
      if (answer.trim() !== '') log.debug('haproxy old worker said', { pid, command, answer: answer.trim() });
    }
  }

  /** Sends the master SIGUSR2; resolves with whether it said it reloads ("Reloading HAProxy") within a second. */
  private signalReload(child: ChildProcess): Promise<boolean> {
    return new Promise((resolve) => {
      const heard = (yes: boolean) => {
        clearTimeout(timer);
        this.reloadHeard = undefined;
        resolve(yes);
      };
      const timer = setTimeout(() => heard(false), RELOAD_HEARD_MS);
      this.reloadHeard = () => heard(true);
      child.kill('SIGUSR2');
    });
  }

  /**
   * The master CLI's `show proc` once it lists the worker running now: a reload re-executes the
   * master, whose CLI answers nothing, or the processes before, for a moment after the new worker answers.
   */
  private async masterListing(): Promise<string> {
    const until = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      const processes = await runtimeCommand(this.options.masterSocket, 'show proc', 1000).catch(() => '');
      if (this.worker !== undefined && workerPids(processes).includes(this.worker)) return processes;
      if (Date.now() >= until || this.stopping) return '';
      await sleep(20);
    }
  }

  /** The pid of the master process (what a supervisor would watch). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    await exited;
  }
}
