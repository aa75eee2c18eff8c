import { killContainer, runningContainers } from '../../src/server/runtime/container/server-containers';
import { findConmon } from '../../src/server/runtime/container/container-monitor';
import { findOciRuntime } from '../../src/server/runtime/container/oci-runtime-cli';
import { findWorkerProcesses, signalGroup } from '../../src/server/runtime/process/worker-processes';
import { platformRuntime } from './platform';

/**
 * What runs on this machine for a server, seen from outside it as an operator would (`runc list`,
 * or the process table), whichever runtime the test servers use.
 */

/** The ids of the workers running for the server with this data folder, sorted. */
export async function runningWorkerIds(dataDir: string): Promise<string[]> {
  const ids = platformRuntime() === 'container' ? await runningContainers(dataDir, await findOciRuntime()) : [...(await findWorkerProcesses(dataDir)).keys()];
  return ids.sort();
}

/** SIGKILLs a worker from outside the server: its program crashed. */
export async function killWorker(dataDir: string, workerId: string): Promise<void> {
  if (platformRuntime() === 'container') return killContainer(dataDir, await findOciRuntime(), workerId);
  const group = (await findWorkerProcesses(dataDir)).get(workerId);
  if (!group) throw new Error(`no process of worker ${workerId}`);
  signalGroup(group.pgid, 'SIGKILL');
}

/** Whether the test servers' workers run under conmon, which records how a container ended for a restarted server to read. */
export async function adoptedExitsKnown(): Promise<boolean> {
  return platformRuntime() === 'container' && (await findConmon()) !== undefined;
}
