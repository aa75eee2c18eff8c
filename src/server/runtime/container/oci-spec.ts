/**
 * The subset of the OCI runtime spec (runtime-spec, config.md and config-linux.md) that the
 * container runtime writes: only the fields we set, so the generated config stays easy to read.
 */

export interface OciMount {
  destination: string;
  type: string;
  source: string;
  options: string[];
}

/** config-linux.md, "Devices": a device node created in the container. */
export interface OciDevice {
  path: string;
  type: 'c' | 'b';
  major: number;
  minor: number;
  fileMode?: number;
  uid?: number;
  gid?: number;
}

/** config-linux.md, "Device allowlist". */
export interface OciDeviceRule {
  allow: boolean;
  type?: 'a' | 'c' | 'b';
  major?: number;
  minor?: number;
  access?: string;
}

export interface OciResources {
  devices: OciDeviceRule[];
  memory?: { limit: number; swap?: number };
  cpu?: { quota: number; period: number };
  pids?: { limit: number };
}

export interface OciNamespace {
  type: 'pid' | 'network' | 'ipc' | 'uts' | 'mount' | 'cgroup' | 'user';
  path?: string;
}

export interface OciSpec {
  ociVersion: string;
  process: {
    terminal: boolean;
    user: { uid: number; gid: number; additionalGids?: number[] };
    args: string[];
    env: string[];
    cwd: string;
    capabilities: { bounding: string[]; effective: string[]; permitted: string[] };
    rlimits: { type: string; hard: number; soft: number }[];
    noNewPrivileges: boolean;
  };
  root: { path: string; readonly: boolean };
  hostname: string;
  mounts: OciMount[];
  linux: {
    namespaces: OciNamespace[];
    cgroupsPath: string;
    resources: OciResources;
    devices: OciDevice[];
    maskedPaths: string[];
    readonlyPaths: string[];
  };
}

/** What a worker with GPUs adds to its container (runtime/container/gpu-devices.ts makes it). */
export interface GpuEdits {
  devices: OciDevice[];
  /** Allow rules for the device cgroup, one per device node. */
  deviceRules: OciDeviceRule[];
  /** Read-only binds of the driver's libraries and tools. */
  mounts: OciMount[];
  /** Set over the image's env, but for LD_LIBRARY_PATH: it goes before the image's own value. */
  env: Record<string, string>;
}
