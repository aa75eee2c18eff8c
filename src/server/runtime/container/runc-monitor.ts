import type { ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { AdoptedWatch, processAlive } from '../local/adopted-watch';
import type { ContainerMonitor, ProgramExit, StartedContainer } from './container-monitor';
import { exitOf, type OciRuntimeCli } from './oci-runtime-cli';

/**
 * `runc run` in the foreground as the monitor, where conmon is not installed: the server is its
 * parent and its exit status is the program's. It keeps no record, so an adopted container's end,
 * seen by polling its first process, has no code.
 */
export class RuncMonitor implements ContainerMonitor {
  private readonly adopted = new AdoptedWatch();

  constructor(private readonly cli: OciRuntimeCli) {}

  start(id: string, bundle: string, logFile: string): Promise<StartedContainer> {
    const output = openSync(logFile, 'a');
    let child: ChildProcess;
    try {
      child = this.cli.run(id, bundle, output);
    } finally {
      closeSync(output);
    }
    const exit = new Promise<ProgramExit>((done) => {
      // runc that cannot even be started (gone since the server began) ends the worker like an exit.
      child.once('error', () => done({ code: 127, signal: null }));
      child.once('exit', (code, signal) => done(exitOf(code, signal)));
    });
    return Promise.resolve({ pid: child.pid ?? 0, exit });
  }

  async adopt(_id: string, pid: number): Promise<ProgramExit> {
    await this.adopted.gone(() => processAlive(pid));
    return { code: null, signal: null };
  }

  forget(): Promise<void> {
    return Promise.resolve();
  }

  close(): void {
    this.adopted.close();
  }
}
