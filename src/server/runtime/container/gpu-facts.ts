import type { OciMount } from './oci-spec';
import type { CdiSpec } from './cdi-spec';

/**
 * What the host says about its NVIDIA GPUs, read once (host-gpu-facts.ts) so that turning it into
 * a container's edits (gpu-devices.ts) is a pure function tests can feed by hand.
 */
export interface HostGpuFacts {
  /** NVIDIA CDI specs (kind nvidia.com/gpu), lowest priority first: /etc/cdi, then /var/run/cdi. */
  cdiSpecs: CdiSpec[];
  /** GPU UUIDs by host index (what CDI devices named by UUID are matched with); empty when unknown. */
  gpuUuids: string[];
  /** Host device nodes by path: every /dev/nvidia* node, and each node a CDI spec names without major/minor. */
  deviceNodes: Record<string, HostDeviceNode>;
  /** `ldconfig -p` as printed; '' where there is no ldconfig. */
  ldconfigOutput: string;
  /** How `ldconfig -p` tags this machine's own libraries ('x86-64', 'AArch64'), so 32-bit ones are left out. */
  ldconfigArch: string;
  /** Absolute paths of the files in the well-known driver folders ldconfig may not list. */
  folderFiles: string[];
  /** Where nvidia-smi is on the host, when it is. */
  nvidiaSmi?: string;
}

export interface HostDeviceNode {
  type: 'c' | 'b';
  major: number;
  minor: number;
  /** Permission bits, kept in the container (NVIDIA's nodes are 0666 so any user can open them). */
  fileMode: number;
}

/** What CDI or discovery says a worker needs, before device numbers are filled in from the host. */
export interface GpuPlan {
  nodes: PlannedNode[];
  mounts: OciMount[];
  env: Record<string, string>;
}

export interface PlannedNode {
  /** Path in the container. */
  path: string;
  hostPath: string;
  /** Device cgroup access, 'rwm' unless a CDI spec says otherwise. */
  access: string;
  type?: 'c' | 'b';
  major?: number;
  minor?: number;
  fileMode?: number;
  uid?: number;
  gid?: number;
}
