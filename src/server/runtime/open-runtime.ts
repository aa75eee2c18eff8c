import type { BlobStore } from '../blobs/blob-store';
import type { RuntimeKind } from '../platform-config';
import type { GpuInfo } from '../resources/machine-resources';
import { ContainerRuntime } from './container/container-runtime';
import { findConmon } from './container/container-monitor';
import { findOnPath } from '../find-on-path';
import { findOciRuntime } from './container/oci-runtime-cli';
import { ProcessRuntime } from './process/process-runtime';
import type { Runtime } from './runtime';

/** The runtime `everai server --runtime` names, and a line saying what it is (the server prints it). */
export async function openRuntime(kind: RuntimeKind, options: { dataDir: string; blobs: BlobStore; gpus: readonly GpuInfo[] }): Promise<{ runtime: Runtime; description: string }> {
  if (kind === 'process') {
    return {
      runtime: new ProcessRuntime(options),
      description: 'runtime: process (for development only: apps are NOT isolated, every worker runs as this user beside the server)',
    };
  }
  const ociRuntime = await findOciRuntime();
  // tini as PID 1 passes SIGTERM on to programs that never installed a handler for it.
  const init = await findOnPath('tini-static');
  // conmon watches a container in 2 MB where runc in the foreground holds 10.
  const conmon = await findConmon();
  const monitor = conmon ? `, monitor ${conmon}` : ', monitor: runc in the foreground (install conmon for a lighter one)';
  return {
    runtime: new ContainerRuntime({ ...options, ociRuntime, init, conmon }),
    description: `runtime: container (${ociRuntime}${init ? `, init ${init}` : ', no init: install tini for graceful stops of programs that ignore SIGTERM as PID 1'}${monitor})`,
  };
}
