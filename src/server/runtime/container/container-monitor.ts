import { EveraiError } from '../../../contract/errors';
import { findOnPath } from '../../find-on-path';

/** How a container's program ended: its exit code, or the signal that killed it. */
export interface ProgramExit {
  code: number | null;
  signal: string | null;
}

/** A container just started: its first process, and its end as the monitor reports it. */
export interface StartedContainer {
  /** The pid the worker is known by (0 when the container never started: `exit` follows at once). */
  pid: number;
  exit: Promise<ProgramExit>;
}

/**
 * The process that stays beside a running container, holds its output and learns how its program
 * ended: conmon where it is installed (2 MB), else runc itself in the foreground (10 MB).
 */
export interface ContainerMonitor {
  /** Creates and starts the container; its stdout and stderr go straight into `logFile` (appended). */
  start(id: string, bundle: string, logFile: string): Promise<StartedContainer>;
  /**
   * The end of a container this server did not start (adopted after a restart), whose first
   * process is `pid`: its code where the monitor recorded it, else null. Never, once closed.
   */
  adopt(id: string, pid: number): Promise<ProgramExit>;
  /** Forgets what it kept of a container that is deleted. */
  forget(id: string): Promise<void>;
  /** Stops watching (the server is stopping; the containers and their monitors run on). */
  close(): void;
}

/** The conmon binary to use, or undefined for runc in the foreground: `EVERAI_CONTAINER_MONITOR` (conmon or runc) picks, else conmon when installed. */
export async function findConmon(): Promise<string | undefined> {
  const wanted = process.env.EVERAI_CONTAINER_MONITOR;
  if (wanted === 'runc') return undefined;
  const found = await findOnPath('conmon');
  if (wanted === 'conmon' && !found) {
    throw new EveraiError('EVERAI_USAGE', 'EVERAI_CONTAINER_MONITOR=conmon, but conmon is not installed (Debian: apt-get install -y conmon)');
  }
  if (wanted && wanted !== 'conmon') throw new EveraiError('EVERAI_USAGE', `EVERAI_CONTAINER_MONITOR must be conmon or runc, not '${wanted}'`);
  return found;
}
