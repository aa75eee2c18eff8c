import { basename, dirname } from 'node:path';
import { cdiPlan } from './cdi-spec';
import type { HostDeviceNode, HostGpuFacts, PlannedNode } from './gpu-facts';
import { discoveryPlan } from './nvidia-discovery';
import type { GpuEdits, OciDevice } from './oci-spec';

/** A shared library's file name: `libcuda.so`, `libcuda.so.1`, ... */
const SHARED_LIBRARY = /\.so(\.|$)/;

/**
 * What a worker's container needs to use the host GPUs at `indexes` (nvidia-smi's indexes, as
 * GpuAssigner chooses them): their device nodes, allowed in the device cgroup, the driver's
 * libraries bound read-only, and the env that points CUDA at them. The machine's NVIDIA CDI spec
 * is followed where there is one (the toolkit knows the driver better than we do); otherwise the
 * driver is discovered as nvidia-container-cli does. Throws where the host cannot give a chosen GPU.
 *
 * The env, and why CUDA_VISIBLE_DEVICES is not the host indexes: CUDA lists the GPUs the driver
 * reports through /dev/nvidiactl but keeps only those whose /dev/nvidiaN it can open. The
 * container has only the chosen nodes (and the device cgroup refuses the others even if one
 * appeared), so CUDA there sees exactly the chosen GPUs, numbered from 0; this is how
 * `docker run --gpus device=1` gives a container one GPU that is CUDA device 0. CUDA_VISIBLE_DEVICES
 * names GPUs by that container numbering, so the host index 1 would hide the only GPU. It is
 * therefore `0,...,n-1`, with CUDA_DEVICE_ORDER=PCI_BUS_ID so that CUDA device k is the k-th
 * chosen GPU in host index order (nvidia-smi numbers GPUs by PCI bus too). NVIDIA_VISIBLE_DEVICES
 * keeps the host indexes, for people and for finding a running worker's GPUs again.
 *
 * LD_LIBRARY_PATH lists only the driver's folders: the runtime puts it before the image's own
 * value rather than replacing it.
 */
export function gpuEdits(facts: HostGpuFacts, indexes: readonly number[]): GpuEdits {
  if (indexes.length === 0) return { devices: [], deviceRules: [], mounts: [], env: {} };
  const chosen = [...new Set(indexes)].sort((a, b) => a - b);
  const plan = facts.cdiSpecs.length > 0 ? cdiPlan(facts.cdiSpecs, facts.gpuUuids, chosen) : discoveryPlan(facts, chosen);

  const nodes = uniqueBy(plan.nodes, (node) => node.path);
  const devices = nodes.map((node) => resolveNode(node, facts.deviceNodes));
  const deviceRules = devices.map((device, i) => ({
    allow: true,
    type: device.type,
    major: device.major,
    minor: device.minor,
    access: nodes[i]?.access ?? 'rwm',
  }));

  const mounts = uniqueBy(plan.mounts, (mount) => mount.destination);
  const libraryFolders = mounts.filter((m) => SHARED_LIBRARY.test(basename(m.destination))).map((m) => dirname(m.destination));
  const libraryPath = [...new Set(libraryFolders), plan.env.LD_LIBRARY_PATH].filter((part) => part).join(':');
  return {
    devices,
    deviceRules,
    mounts,
    env: {
      ...plan.env,
      ...(libraryPath !== '' ? { LD_LIBRARY_PATH: libraryPath } : {}),
      NVIDIA_VISIBLE_DEVICES: chosen.join(','),
      CUDA_VISIBLE_DEVICES: chosen.map((_, ordinal) => ordinal).join(','),
      CUDA_DEVICE_ORDER: 'PCI_BUS_ID',
    },
  };
}

/** A node's type and numbers come from the spec where it gives them, from the host's node otherwise. */
function resolveNode(node: PlannedNode, host: Record<string, HostDeviceNode>): OciDevice {
  const found = host[node.hostPath];
  const type = node.type ?? found?.type;
  const major = node.major ?? found?.major;
  const minor = node.minor ?? found?.minor;
  if (type === undefined || major === undefined || minor === undefined) {
    throw new Error(`the host has no device node ${node.hostPath}: is the NVIDIA driver loaded?`);
  }
  const fileMode = node.fileMode ?? found?.fileMode;
  return {
    path: node.path,
    type,
    major,
    minor,
    ...(fileMode !== undefined ? { fileMode } : {}),
    ...(node.uid !== undefined ? { uid: node.uid } : {}),
    ...(node.gid !== undefined ? { gid: node.gid } : {}),
  };
}

/** The first item of each key: a node or mount named both spec-wide and by a device is made once. */
function uniqueBy<T>(items: readonly T[], key: (item: T) => string): T[] {
  const byKey = new Map<string, T>();
  for (const item of items) if (!byKey.has(key(item))) byKey.set(key(item), item);
  return [...byKey.values()];
}
