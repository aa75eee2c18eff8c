import { parse } from 'yaml';
import { z } from 'zod';
import type { GpuPlan, PlannedNode } from './gpu-facts';
import type { OciMount } from './oci-spec';

/** The CDI kind nvidia-container-toolkit writes (`nvidia-ctk cdi generate`). */
export const NVIDIA_CDI_KIND = 'nvidia.com/gpu';

// Only the CDI fields we apply; zod drops the rest (hooks, annotations, intelRdt, ...).
const deviceNodeSchema = z.object({
  path: z.string(),
  hostPath: z.string().optional(),
  // 'u' is an unbuffered character device: to the kernel and to runc, a character device.
  type: z.enum(['c', 'b', 'u']).optional(),
  major: z.number().int().optional(),
  minor: z.number().int().optional(),
  fileMode: z.number().int().optional(),
  permissions: z.string().optional(),
  uid: z.number().int().optional(),
  gid: z.number().int().optional(),
});
const mountSchema = z.object({
  hostPath: z.string(),
  containerPath: z.string(),
  options: z.array(z.string()).optional(),
  type: z.string().optional(),
});
const editsSchema = z.object({
  env: z.array(z.string().regex(/^[^=]+=/, 'an env entry is KEY=VALUE')).optional(),
  deviceNodes: z.array(deviceNodeSchema).optional(),
  mounts: z.array(mountSchema).optional(),
});
const specSchema = z.object({
  kind: z.literal(NVIDIA_CDI_KIND),
  devices: z.array(z.object({ name: z.string(), containerEdits: editsSchema })),
  containerEdits: editsSchema.optional(),
});

type CdiEdits = z.infer<typeof editsSchema>;
export type CdiSpec = z.infer<typeof specSchema> & { path: string };

/**
 * One CDI spec file (JSON is YAML too). Another vendor's spec is not ours to judge: null. An
 * unreadable or malformed NVIDIA one is an error, not a reason to guess.
 */
export function parseCdiSpec(text: string, path: string): CdiSpec | null {
  let document: unknown;
  try {
    document = parse(text);
  } catch (error) {
    throw new Error(`CDI spec ${path} is neither YAML nor JSON: ${(error as Error).message}`, { cause: error });
  }
  if (typeof document !== 'object' || document === null || (document as { kind?: unknown }).kind !== NVIDIA_CDI_KIND) return null;
  const result = specSchema.safeParse(document);
  if (!result.success) throw new Error(`CDI spec ${path} is malformed: ${z.prettifyError(result.error)}`);
  return { path, ...result.data };
}

/**
 * The edits the CDI specs give the chosen GPUs: each used spec's own containerEdits once (control
 * nodes, driver libraries), then each GPU's. A GPU is found by its index name ("0", "1", ...) or
 * its UUID, in the highest-priority spec that names it; never through "all".
 */
export function cdiPlan(specs: readonly CdiSpec[], uuids: readonly string[], indexes: readonly number[]): GpuPlan {
  const used = new Set<CdiSpec>();
  const deviceEdits: CdiEdits[] = [];
  for (const index of indexes) {
    const uuid = uuids[index];
    const found = [...specs]
      .reverse()
      .map((spec) => ({ spec, device: spec.devices.find((d) => d.name === String(index) || d.name === uuid) }))
      .find((candidate) => candidate.device !== undefined);
    if (!found?.device) {
      const paths = specs.map((s) => s.path).join(', ');
      throw new Error(`no CDI device for GPU ${index} in ${paths}: the spec is stale, regenerate it with nvidia-ctk cdi generate`);
    }
    used.add(found.spec);
    deviceEdits.push(found.device.containerEdits);
  }
  const plan: GpuPlan = { nodes: [], mounts: [], env: {} };
  for (const spec of used) if (spec.containerEdits) addEdits(plan, spec.containerEdits);
  for (const edits of deviceEdits) addEdits(plan, edits);
  return plan;
}

/*
 * CDI hooks are not applied: our OCI spec carries no hooks (a hook is a host program run as root
 * while the container is created, and we keep the runtime to what it writes itself). What is lost:
 * `update-ldcache` (the container's ld.so.cache does not list the driver libraries, so
 * gpu-devices.ts sets LD_LIBRARY_PATH to their folders instead), `create-symlinks` (e.g. an
 * unversioned libcuda.so link: programs that dlopen it by that name find nothing unless the spec
 * mounts it), `enable-cuda-compat` (an image's forward-compatibility libcuda is not preferred) and
 * `chmod` of /dev/dri folders (graphics only).
 */
function addEdits(plan: GpuPlan, edits: CdiEdits): void {
  for (const entry of edits.env ?? []) {
    const eq = entry.indexOf('=');
    plan.env[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  for (const node of edits.deviceNodes ?? []) plan.nodes.push(plannedNode(node));
  for (const mount of edits.mounts ?? []) plan.mounts.push(readOnlyMount(mount));
}

function plannedNode(node: z.infer<typeof deviceNodeSchema>): PlannedNode {
  return {
    path: node.path,
    hostPath: node.hostPath ?? node.path,
    access: node.permissions ?? 'rwm',
    ...(node.type !== undefined ? { type: node.type === 'b' ? 'b' : 'c' } : {}),
    ...(node.major !== undefined ? { major: node.major } : {}),
    ...(node.minor !== undefined ? { minor: node.minor } : {}),
    ...(node.fileMode !== undefined ? { fileMode: node.fileMode } : {}),
    ...(node.uid !== undefined ? { uid: node.uid } : {}),
    ...(node.gid !== undefined ? { gid: node.gid } : {}),
  };
}

/** A worker must not change the host's driver files: every bind is read-only, but a device's. */
function readOnlyMount(mount: z.infer<typeof mountSchema>): OciMount {
  const type = mount.type ?? 'bind';
  const isDevice = mount.hostPath.startsWith('/dev/');
  const options = (mount.options ?? []).filter((option) => isDevice || option !== 'rw');
  // runc makes a bind mount from the option, not from the type.
  if (type === 'bind' && !options.includes('bind') && !options.includes('rbind')) options.push('bind');
  if (!isDevice && !options.includes('ro')) options.push('ro');
  return { destination: mount.containerPath, type, source: mount.hostPath, options };
}
