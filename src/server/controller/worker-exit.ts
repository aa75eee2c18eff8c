import type { WorkerExit } from '../runtime/runtime';

/** How a worker's process ended, as events say it: `exited with code 7`, `was killed by SIGKILL`. */
export function describeExit(exit: WorkerExit): string {
  if (exit.oomKilled) return 'was killed for going past its memory limit (OOMKilled)';
  if (exit.signal) return `was killed by ${exit.signal}`;
  return exit.code === null ? 'ended (exit code unknown: it was adopted after a server restart)' : `exited with code ${exit.code}`;
}
