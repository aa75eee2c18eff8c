import type { ContainerMonitor, ProgramExit, StartedContainer } from './container-monitor';
import { exitOf, type OciRuntimeCli } from './oci-runtime-cli';

/**
 * `runc run` in the foreground as the monitor, where conmon is not installed: the server is its
 * parent and its exit status is the program's. It keeps no record, so an adopted container's end
 * has no code.
 */
export class RuncMonitor implements ContainerMonitor {
  readonly name = 'runc';

  constructor(private readonly cli: OciRuntimeCli) {}

  start(id: string, bundle: string, output: number): Promise<StartedContainer> {
    const child = this.cli.run(id, bundle, output);
    const exit = new Promise<ProgramExit>((done) => {
      // runc that cannot even be started (gone since the server began) ends the worker like an exit.
      child.once('error', () => done({ code: 127, signal: null }));
      child.once('exit', (code, signal) => done(exitOf(code, signal)));
    });
    return Promise.resolve({ pid: child.pid ?? 0, exit });
  }

  exitOfAdopted(): Promise<ProgramExit | null> {
    return Promise.resolve(null);
  }

  forget(): Promise<void> {
    return Promise.resolve();
  }
}
