import { basename } from 'node:path';
import type { GpuPlan, HostGpuFacts } from './gpu-facts';
import type { OciMount } from './oci-spec';

/**
 * The driver libraries a CUDA program needs, by name before the version: nvidia-container-cli's
 * "utility" (NVML, what nvidia-smi and monitoring use) and "compute" (CUDA, OpenCL, PTX JIT) sets.
 * Graphics, video and display libraries are left out: workers compute.
 */
const DRIVER_LIBRARIES = [
  'libnvidia-ml.so',
  'libnvidia-cfg.so',
  'libnvidia-nscq.so',
  'libcuda.so',
  'libcudadebugger.so',
  'libnvidia-opencl.so',
  'libnvidia-gpucomp.so',
  'libnvidia-ptxjitcompiler.so',
  'libnvidia-fatbinaryloader.so',
  'libnvidia-allocator.so',
  'libnvidia-compiler.so',
  'libnvidia-pkcs11.so',
  'libnvidia-pkcs11-openssl3.so',
  'libnvidia-nvvm.so',
];

/**
 * The nodes every GPU shares, besides /dev/nvidiaN. nvidiactl is where the driver is reached at
 * all. nvidia-uvm (unified memory, which the CUDA runtime needs to allocate) exists only once its
 * module is loaded (nvidia-modprobe -u, or a first CUDA program on the host); in the container
 * nothing can load it, so where the host lacks it CUDA fails to initialise there.
 */
const REQUIRED_NODES = ['/dev/nvidiactl'];
const OPTIONAL_NODES = ['/dev/nvidia-uvm', '/dev/nvidia-uvm-tools'];

/** nvidia-smi goes where every image's PATH looks, whatever folder the host keeps it in. */
const NVIDIA_SMI_IN_CONTAINER = '/usr/bin/nvidia-smi';

/**
 * Without a CDI spec, what nvidia-container-cli would give: the chosen GPUs' nodes, the shared
 * nodes, and the driver libraries ldconfig or the well-known folders hold, each bound read-only at
 * its host path (the container's loader finds them through LD_LIBRARY_PATH, see gpu-devices.ts).
 * /dev/nvidiaN is taken to be GPU index N: true where the driver numbered GPUs in PCI order, as it
 * does unless told otherwise (a CDI spec does not rely on it).
 */
export function discoveryPlan(facts: HostGpuFacts, indexes: readonly number[]): GpuPlan {
  const nodePaths = [
    ...indexes.map((index) => `/dev/nvidia${index}`),
    ...REQUIRED_NODES,
    ...OPTIONAL_NODES.filter((path) => facts.deviceNodes[path] !== undefined),
  ];
  const libraries = [...new Set([...ldconfigLibraries(facts.ldconfigOutput, facts.ldconfigArch), ...facts.folderFiles])].filter(
    (path) => DRIVER_LIBRARIES.some((name) => isLibrary(basename(path), name)),
  );
  if (!libraries.some((path) => isLibrary(basename(path), 'libcuda.so'))) {
    throw new Error('no libcuda.so in `ldconfig -p` nor in the well-known driver folders: is the NVIDIA driver installed?');
  }
  const mounts = libraries.map((path) => readOnlyBind(path, path));
  if (facts.nvidiaSmi !== undefined) mounts.push(readOnlyBind(facts.nvidiaSmi, NVIDIA_SMI_IN_CONTAINER));
  return { nodes: nodePaths.map((path) => ({ path, hostPath: path, access: 'rwm' })), mounts, env: {} };
}

/**
 * The library paths `ldconfig -p` lists for this machine's own architecture, from lines such as
 * `\tlibcuda.so.1 (libc6,x86-64) => /usr/lib/x86_64-linux-gnu/libcuda.so.1`.
 */
export function ldconfigLibraries(output: string, arch: string): string[] {
  const paths: string[] = [];
  for (const line of output.split('\n')) {
    const match = /^\s+\S+\s+\(([^)]*)\)\s+=>\s+(\/\S+)\s*$/.exec(line);
    if (match?.[1] === undefined || match[2] === undefined) continue;
    if (match[1].split(',').some((flag) => flag.trim() === arch)) paths.push(match[2]);
  }
  return paths;
}

/** `libcuda.so`, `libcuda.so.1`, `libcuda.so.550.54.15` are libcuda; `libcudadebugger.so` is not. */
function isLibrary(file: string, name: string): boolean {
  return file === name || file.startsWith(`${name}.`);
}

function readOnlyBind(source: string, destination: string): OciMount {
  return { destination, type: 'bind', source, options: ['bind', 'ro', 'nosuid', 'nodev'] };
}
