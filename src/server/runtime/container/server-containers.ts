import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { join, resolve } from 'node:path';
import { OciRuntimeCli } from './oci-runtime-cli';
import { claimedSlots, releaseSlot } from './worker-network';

/**
 * Where one server's containers are known on this machine, named by its data folder: several
 * servers (tests do this) share a machine without seeing each other's containers. What a test
 * or an operator does from outside a server goes through here too.
 */

export function serverTag(dataDir: string): string {
  return createHash('sha256').update(dataDir).digest('hex').slice(0, 12);
}

/** runc keeps its state on a tmpfs, as it asks: a reboot, which ends every container, forgets them too. */
export function runcRoot(tag: string): string {
  return join('/run/everai/runc', tag);
}

/** Containers' bundles (config.json holds their env, secrets included), on the same tmpfs. */
export function bundlesRoot(tag: string): string {
  return join('/run/everai/bundles', tag);
}

/** Where conmon writes how each container's program ended, on the same tmpfs. */
export function exitsRoot(tag: string): string {
  return join('/run/everai/exits', tag);
}

/** The running containers of the server with this data folder, by worker id (what tests count). */
export async function runningContainers(dataDir: string, ociRuntime: string): Promise<string[]> {
  const cli = new OciRuntimeCli(ociRuntime, runcRoot(serverTag(resolve(dataDir))));
  return (await cli.list()).filter((c) => c.status === 'running').map((c) => c.id);
}

/** SIGKILLs a worker's container from outside, as a crash of its program would end it. */
export async function killContainer(dataDir: string, ociRuntime: string, workerId: string): Promise<void> {
  await new OciRuntimeCli(ociRuntime, runcRoot(serverTag(resolve(dataDir)))).kill(workerId, 'KILL');
}

/**
 * Removes every container of the server with this data folder, and their namespaces and
 * addresses: a test's last sweep after its server is gone (a crash test leaves containers behind).
 */
export async function removeContainers(dataDir: string, ociRuntime: string): Promise<number> {
  const tag = serverTag(resolve(dataDir));
  const cli = new OciRuntimeCli(ociRuntime, runcRoot(tag));
  const containers = await cli.list().catch(() => []);
  for (const container of containers) await cli.delete(container.id);
  for (const slot of (await claimedSlots(resolve(dataDir))).values()) await releaseSlot(slot);
  // The server's own folders, empty now: runc's state, bundles, exit files, and its cgroup parent in every hierarchy.
  await fs.rm(runcRoot(tag), { recursive: true, force: true });
  await fs.rm(bundlesRoot(tag), { recursive: true, force: true });
  await fs.rm(exitsRoot(tag), { recursive: true, force: true });
  const hierarchies = ['', ...(await fs.readdir('/sys/fs/cgroup').catch(() => [] as string[]))];
  await Promise.all(hierarchies.map((name) => fs.rmdir(join('/sys/fs/cgroup', name, 'everai', tag)).catch(() => undefined)));
  return containers.length;
}
