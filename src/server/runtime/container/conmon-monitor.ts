import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { ifExists } from '../../../contract/if-exists';
import type { ContainerMonitor, ProgramExit, StartedContainer } from './container-monitor';
import { exitOf, type OciRuntimeCli } from './oci-runtime-cli';

/** The fd conmon reports the container's pid on once runc's `create` is done (its sync pipe). */
const SYNC_FD = 3;
/** An adopted container's first process is gone: conmon writes its exit file moments later. */
const EXIT_FILE_WAIT_MS = 2000;
const EXIT_FILE_POLL_MS = 50;

/**
 * conmon as each container's monitor (docs/isolation.md): one small process, in place of runc
 * in the foreground. It runs `runc create` with its own stdin, stdout and stderr passed through
 * (the program writes straight into the worker's log, as under runc), and stays the container's
 * reaper. With `--sync` it forks no daemon: the server is its parent, reaps it, and reads the
 * program's exit status from conmon's own (128+N for a signal). It also writes that status to a
 * file in `exitDir`, which is how a restarted server learns how an adopted container ended.
 */
export class ConmonMonitor implements ContainerMonitor {
  readonly name = 'conmon';

  constructor(
    private readonly conmon: string,
    private readonly cli: OciRuntimeCli,
    private readonly exitDir: string,
  ) {}

  async start(id: string, bundle: string, output: number): Promise<StartedContainer> {
    await fs.mkdir(this.exitDir, { recursive: true, mode: 0o700 });
    const runtimeArgs = this.cli.globalArgs().flatMap((arg) => ['--runtime-arg', arg]);
    const child = spawn(
      this.conmon,
      [
        ...['--api-version', '1', '--sync', '--cid', id, '--cuuid', id, '--name', id],
        ...['--runtime', this.cli.binary, ...runtimeArgs, '--bundle', bundle, '--container-pidfile', join(bundle, 'pid')],
        ...['--exit-dir', this.exitDir, '--persist-dir', bundle, '--log-path', 'passthrough', '--log-level', 'error'],
      ],
      // Its working folder is the bundle too: Debian's conmon 2.1.6 writes an `oom` file into it.
      { cwd: bundle, detached: true, stdio: ['ignore', output, output, 'pipe'], env: { ...process.env, _OCI_SYNCPIPE: String(SYNC_FD) } },
    );
    const exit = new Promise<ProgramExit>((done) => {
      // conmon that cannot even be started (gone since the server began) ends the worker like an exit.
      child.once('error', () => done({ code: 127, signal: null }));
      child.once('exit', (code, signal) => done(exitOf(code, signal)));
    });
    const pid = await createdPid(child.stdio[SYNC_FD] as Readable);
    // A create that failed: conmon exits (1) and runc's reason is in the log already.
    if (pid <= 0) return { pid: 0, exit };
    // Should `start` fail, the created container is killed, and its end reported as any other.
    if (!(await this.cli.start(id))) await this.cli.kill(id, 'KILL');
    return { pid, exit };
  }

  async exitOfAdopted(id: string): Promise<ProgramExit | null> {
    for (let waited = 0; waited <= EXIT_FILE_WAIT_MS; waited += EXIT_FILE_POLL_MS) {
      const text = await ifExists(fs.readFile(join(this.exitDir, id), 'utf8'));
      if (text !== undefined && /^-?\d+$/.test(text.trim())) return exitOf(Number(text.trim()), null);
      await sleep(EXIT_FILE_POLL_MS);
    }
    return null;
  }

  async forget(id: string): Promise<void> {
    await fs.rm(join(this.exitDir, id), { force: true });
  }
}

/** The pid in conmon's first sync message (`{"data": <pid>}`, negative when create failed); -1 if none came. */
async function createdPid(sync: Readable): Promise<number> {
  let text = '';
  try {
    for await (const chunk of sync) {
      text += String(chunk);
      if (text.includes('\n')) break;
    }
  } catch {
    // The pipe broke: no pid came.
  } finally {
    sync.destroy();
  }
  const line = text.split('\n')[0] ?? '';
  try {
    const data = (JSON.parse(line) as { data?: unknown }).data;
    return typeof data === 'number' ? data : -1;
  } catch {
    return -1;
  }
}
