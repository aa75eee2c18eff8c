import { join } from 'node:path';
import type { ContainerMonitor, ProgramExit, StartedContainer } from './container-monitor';
import type { ExitFiles } from './exit-files';
import type { OciRuntimeCli } from './oci-runtime-cli';
import type { SpawnHelper } from './spawn-helper';

/** The fd conmon reports the container's pid on once runc's `create` is done (its sync pipe; the helper reads it). */
const SYNC_FD = 3;
/** What a container whose `create` failed reports, as runc exits on its own failure. */
const CREATE_FAILED: ProgramExit = { code: 1, signal: null };
/** Its end when conmon was killed before it could write the exit file. */
const UNKNOWN: ProgramExit = { code: null, signal: null };

/**
 * conmon as each container's monitor (docs/isolation.md): one small process, in place of runc
 * in the foreground. It runs `runc create` with its own stdout and stderr passed through, so the
 * program writes straight into the worker's log as under runc, and stays the container's reaper.
 * It daemonizes (a fork its parent exits from at once, so only the pages it touches after
 * are resident in it: 2 MB where a conmon that stays the server's child holds 4) and, once the
 * program ended, writes its exit status (128+N for a signal) into `exits`: how the server, this one
 * or a restarted one, learns how the container ended.
 */
export class ConmonMonitor implements ContainerMonitor {
  constructor(
    private readonly conmon: string,
    private readonly cli: OciRuntimeCli,
    private readonly exits: ExitFiles,
    /** conmon is started from this small process, not the server (spawn-helper.ts). */
    private readonly spawner: SpawnHelper,
  ) {}

  async start(id: string, bundle: string, logFile: string): Promise<StartedContainer> {
    await this.exits.ready();
    const runtimeArgs = this.cli.globalArgs().flatMap((arg) => ['--runtime-arg', arg]);
    const syncLine = await this.spawner.spawnDetached({
      kind: 'detached',
      file: this.conmon,
      args: [
        ...['--api-version', '1', '--cid', id, '--cuuid', id, '--name', id],
        ...['--runtime', this.cli.binary, ...runtimeArgs, '--bundle', bundle, '--container-pidfile', join(bundle, 'pid')],
        ...['--exit-dir', this.exits.dir, '--persist-dir', bundle, '--log-path', 'passthrough', '--log-level', 'error'],
      ],
      // Its working folder is the bundle too: Debian's conmon 2.1.6 writes an `oom` file into it.
      cwd: bundle,
      env: { ...process.env, _OCI_SYNCPIPE: String(SYNC_FD) },
      output: logFile,
    });
    const pid = pidIn(syncLine);
    // A create that failed: runc's reason is in the log already.
    if (pid <= 0) return { pid: 0, exit: Promise.resolve(CREATE_FAILED) };
    // Should `start` fail, the created container is killed, and its end reported as any other.
    if (!(await this.cli.start(id, pid))) await this.cli.kill(id, 'KILL');
    return { pid, exit: this.adopt(id, pid) };
  }

  async adopt(id: string, pid: number): Promise<ProgramExit> {
    return (await this.exits.wait(id, pid)) ?? UNKNOWN;
  }

  forget(id: string): Promise<void> {
    return this.exits.remove(id);
  }

  close(): void {
    this.exits.close();
  }
}

/** The pid in conmon's first sync message (`{"data": <pid>}`, negative when create failed); -1 if none came. */
function pidIn(text: string): number {
  try {
    const data = (JSON.parse(text.split('\n')[0] ?? '') as { data?: unknown }).data;
    return typeof data === 'number' ? data : -1;
  } catch {
    return -1;
  }
}
