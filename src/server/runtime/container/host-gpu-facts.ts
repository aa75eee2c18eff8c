import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { parseCdiSpec, type CdiSpec } from './cdi-spec';
import type { HostDeviceNode, HostGpuFacts } from './gpu-facts';
import { ifExists } from '../../../contract/if-exists';

/** Where the host's GPU facts are looked for; tests point the folders at fixtures. */
export interface HostGpuPlaces {
  /** CDI's own order: a later folder wins (/var/run/cdi holds specs regenerated at boot). */
  cdiFolders: string[];
  /** Drivers installed outside the package manager (GPU cloud images, driver containers) put their libraries here, often not in ld.so.conf. */
  libraryFolders: string[];
  binaryFolders: string[];
}

export const HOST_GPU_PLACES: HostGpuPlaces = {
  cdiFolders: ['/etc/cdi', '/var/run/cdi'],
  libraryFolders: ['/usr/local/nvidia/lib64'],
  binaryFolders: ['/usr/bin', '/usr/local/bin', '/usr/local/nvidia/bin'],
};

/** The /dev nodes of the NVIDIA compute driver: one per GPU, the control node, unified memory. */
const NVIDIA_NODE = /^nvidia(\d+|ctl|-uvm|-uvm-tools)$/;
/** How `ldconfig -p` tags libraries of Node's architecture. */
const LDCONFIG_ARCH: Partial<Record<NodeJS.Architecture, string>> = { x64: 'x86-64', arm64: 'AArch64' };

/**
 * Reads what gpuEdits needs from this machine. A machine without GPU, driver or toolkit gives
 * facts with nothing in them: a missing file or folder is an answer. A file that is there but
 * cannot be read (EACCES, EIO) is an error, since guessing past it could start a worker without
 * the GPU it was promised.
 */
export async function readHostGpuFacts(places: HostGpuPlaces = HOST_GPU_PLACES): Promise<HostGpuFacts> {
  const cdiSpecs = await readCdiSpecs(places.cdiFolders);
  const nvidiaSmi = await firstFile(places.binaryFolders.map((folder) => join(folder, 'nvidia-smi')));
  return {
    cdiSpecs,
    // Only CDI devices named by UUID need them, and asking nvidia-smi costs a driver round trip.
    gpuUuids: cdiSpecs.length > 0 && nvidiaSmi !== undefined ? await readGpuUuids(nvidiaSmi) : [],
    deviceNodes: await readDeviceNodes(cdiSpecs),
    ldconfigOutput: await readLdconfig(),
    ldconfigArch: LDCONFIG_ARCH[process.arch] ?? process.arch,
    folderFiles: (await Promise.all(places.libraryFolders.map(listFolder))).flat(),
    ...(nvidiaSmi !== undefined ? { nvidiaSmi } : {}),
  };
}

/** A device node's type, numbers and permissions; undefined where there is none. */
export async function readDeviceNode(path: string): Promise<HostDeviceNode | undefined> {
  const stat = await ifExists(fs.stat(path, { bigint: true }));
  if (stat === undefined) return undefined;
  if (!stat.isCharacterDevice() && !stat.isBlockDevice()) throw new Error(`${path} is not a device node`);
  // glibc's major()/minor() of a dev_t; bigint because the high bits are past 32.
  const { rdev } = stat;
  return {
    type: stat.isCharacterDevice() ? 'c' : 'b',
    major: Number(((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & 0xfffff000n)),
    minor: Number((rdev & 0xffn) | ((rdev >> 12n) & 0xffffff00n)),
    fileMode: Number(stat.mode & 0o777n),
  };
}

async function readCdiSpecs(folders: readonly string[]): Promise<CdiSpec[]> {
  const specs: CdiSpec[] = [];
  for (const folder of folders) {
    const names = (await ifExists(fs.readdir(folder))) ?? [];
    for (const name of names.filter((n) => /\.(json|yaml)$/.test(n)).sort()) {
      const path = join(folder, name);
      const text = await ifExists(fs.readFile(path, 'utf8'));
      const spec = text === undefined ? null : parseCdiSpec(text, path);
      if (spec) specs.push(spec);
    }
  }
  return specs;
}

/** Every NVIDIA node in /dev, and the host side of each CDI node whose spec leaves out its numbers. */
async function readDeviceNodes(specs: readonly CdiSpec[]): Promise<Record<string, HostDeviceNode>> {
  const paths = new Set((await fs.readdir('/dev')).filter((name) => NVIDIA_NODE.test(name)).map((name) => `/dev/${name}`));
  for (const spec of specs) {
    for (const edits of [spec.containerEdits, ...spec.devices.map((d) => d.containerEdits)]) {
      for (const node of edits?.deviceNodes ?? []) {
        if (node.type === undefined || node.major === undefined || node.minor === undefined) paths.add(node.hostPath ?? node.path);
      }
    }
  }
  const nodes: Record<string, HostDeviceNode> = {};
  for (const path of paths) {
    const node = await readDeviceNode(path);
    if (node) nodes[path] = node;
  }
  return nodes;
}

function readLdconfig(): Promise<string> {
  return new Promise((resolve, reject) => {
    // ldconfig lives in sbin, which a non-root PATH often lacks.
    const env = { PATH: `/usr/sbin:/sbin:${process.env.PATH ?? ''}` };
    execFile('ldconfig', ['-p'], { env, timeout: 10_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout) => {
      if ((error as NodeJS.ErrnoException | null)?.code === 'ENOENT') resolve('');
      else if (error) reject(new Error(`ldconfig -p failed: ${error.message}`));
      else resolve(stdout);
    });
  });
}

/** UUIDs by index; none where nvidia-smi fails (a broken driver is found out when the GPU is used). */
function readGpuUuids(nvidiaSmi: string): Promise<string[]> {
  return new Promise((resolve) => {
    execFile(nvidiaSmi, ['--query-gpu=index,uuid', '--format=csv,noheader'], { timeout: 10_000 }, (error, stdout) => {
      const uuids: string[] = [];
      if (!error) {
        for (const line of stdout.split('\n')) {
          const [index, uuid] = line.split(',').map((cell) => cell.trim());
          if (index !== undefined && uuid && /^\d+$/.test(index)) uuids[Number(index)] = uuid;
        }
      }
      resolve(uuids);
    });
  });
}

async function firstFile(paths: readonly string[]): Promise<string | undefined> {
  for (const path of paths) if ((await ifExists(fs.stat(path)))?.isFile()) return path;
  return undefined;
}

async function listFolder(folder: string): Promise<string[]> {
  return ((await ifExists(fs.readdir(folder))) ?? []).map((name) => join(folder, name));
}

