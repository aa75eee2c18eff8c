import type { GpuEdits, OciMount, OciSpec } from './oci-spec';

/**
 * A worker's container config (runtime-spec config.md), pure so its rules are unit-tested: what
 * a worker may see and do is decided here, and docs/isolation.md explains each line.
 */

export interface ContainerInput {
  rootfs: string;
  hostname: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
  user: { uid: number; gid: number };
  /** Bind mounts, read-only: volumes, secret and configmap files, /etc/hosts and resolv.conf. */
  binds: { source: string; destination: string }[];
  netnsPath: string;
  cgroupsPath: string;
  cpuNum: number;
  memoryMb: number;
  pidsLimit: number;
  /** The size of /tmp, the worker's writable scratch (memory-backed, so it counts against memoryMb too). */
  scratchMb: number;
  gpu: GpuEdits | null;
}

/**
 * Docker's default capability set less NET_RAW, MKNOD, AUDIT_WRITE and SETFCAP, which a worker
 * has no use for. They apply to a root process only: any other user's are cleared at exec.
 */
export const CAPABILITIES = ['CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_SETGID', 'CAP_SETUID', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL'];

/** Kernel interfaces a container must not read or change (the same lists as Docker's and runc's). */
const MASKED_PATHS = ['/proc/acpi', '/proc/asound', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list', '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi', '/sys/firmware'];
const READONLY_PATHS = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

const CPU_PERIOD_US = 100_000;
const MIB = 1024 * 1024;

function systemMounts(scratchMb: number): OciMount[] {
  const tmpfs = (destination: string, options: string[]): OciMount => ({ destination, type: 'tmpfs', source: 'tmpfs', options });
  return [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    tmpfs('/dev', ['nosuid', 'strictatime', 'mode=755', 'size=65536k']),
    { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620'] },
    tmpfs('/dev/shm', ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k']),
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
    tmpfs('/tmp', ['nosuid', 'nodev', 'mode=1777', `size=${scratchMb}m`]),
    tmpfs('/run', ['nosuid', 'nodev', 'mode=755', 'size=16m']),
  ];
}

function bindMount(source: string, destination: string): OciMount {
  return { destination, type: 'bind', source, options: ['rbind', 'ro', 'nosuid', 'nodev'] };
}

export function containerSpec(input: ContainerInput): OciSpec {
  const env = { ...input.env, ...(input.gpu?.env ?? {}) };
  return {
    ociVersion: '1.0.2',
    process: {
      terminal: false,
      user: input.user,
      args: input.args,
      env: Object.entries(env).map(([name, value]) => `${name}=${value}`),
      cwd: input.cwd,
      capabilities: { bounding: CAPABILITIES, effective: CAPABILITIES, permitted: CAPABILITIES },
      rlimits: [],
      noNewPrivileges: true,
    },
    root: { path: input.rootfs, readonly: true },
    hostname: input.hostname,
    mounts: [...systemMounts(input.scratchMb), ...input.binds.map((b) => bindMount(b.source, b.destination)), ...(input.gpu?.mounts ?? [])],
    linux: {
      namespaces: [{ type: 'pid' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }, { type: 'network', path: input.netnsPath }],
      cgroupsPath: input.cgroupsPath,
      resources: {
        // Deny every device but the few every container gets (runc adds those) and the GPUs'.
        devices: [{ allow: false, access: 'rwm' }, ...(input.gpu?.deviceRules ?? [])],
        memory: { limit: input.memoryMb * MIB, swap: input.memoryMb * MIB },
        cpu: { quota: Math.round(input.cpuNum * CPU_PERIOD_US), period: CPU_PERIOD_US },
        pids: { limit: input.pidsLimit },
      },
      devices: input.gpu?.devices ?? [],
      maskedPaths: MASKED_PATHS,
      readonlyPaths: READONLY_PATHS,
    },
  };
}
