import { EveraiError } from '../../contract/errors';
import { FreeWorkerAutoScaler, SimpleAutoScaler } from '../../sdk/autoscalers';
import { Placeholder } from '../../sdk/placeholder';
import { ResourceRequests } from '../../sdk/resource-requests';
import type { AutoscalerDocument, PlaceholderDocument, ResourceRequestsDocument } from '../../contract/app-spec';
import type { ImageAuthRequest, MountRequest, ProgramRequest } from '../../contract/program-request';
import type { ManifestFile } from './manifest-file';
import type { ManifestSpec } from './manifest-schema';

/** The app request (`POST .../apps`) a manifest stands for: the same body `app.ts` gives, plus the program. */
export interface ManifestAppRequest {
  name: string;
  namespace: string | undefined;
  body: { spec: Record<string, unknown> };
}

/** A manual autoscaler: a fixed number of workers (`autoscaler.manual` in docs/manifest.md). */
type ManualAutoscalerDocument = { kind: 'Manual'; args: { defaultWorkerNum: number } };

const DEFAULT_PORT = 80;

/** Memory as people write it: `1 GiB`, `512 MiB`, `2G`, `1024Mi`, or a number of MiB. */
const MEMORY = /^(\d+(?:\.\d+)?)\s*(Ki|Mi|Gi|Ti|K|M|G|T)(?:i?B)?$/i;
const MIB_PER_UNIT: Record<string, number> = { k: 1 / 1024, m: 1, g: 1024, t: 1024 * 1024 };

function memoryMb(value: string | number): number | undefined {
  if (typeof value === 'number') return value;
  const match = MEMORY.exec(value.trim());
  if (!match?.[1] || !match[2]) return undefined;
  return Math.ceil(Number(match[1]) * (MIB_PER_UNIT[match[2][0]?.toLowerCase() ?? ''] ?? NaN));
}

/** `min_workers` and `minWorkers` both name the SDK's `minWorkers`. */
function camelCase(name: string): string {
  return name.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase());
}

/** Turns the manifest's fields into the request fields, reporting what the schema alone cannot check at its line. */
export function manifestRequest(file: ManifestFile): ManifestAppRequest {
  const { metadata, spec } = file.manifest;
  const at = (path: (string | number)[], message: string) => file.errorAt(['spec', ...path], message);
  const mounts = mountsOf(spec, at);
  const volumeRequests = spec.volumes.flatMap((v) => (v.volume ? [v.volume.volume] : []));
  const out: Record<string, unknown> = {
    name: metadata.name,
    image: spec.image,
    volumeRequests,
    program: programOf(spec, at),
    env: Object.fromEntries(spec.env.map((e) => [e.name, e.value])),
    mounts,
    imageAuth: imageAuthOf(spec),
  };
  if (spec.routeAuth !== undefined) out.routeAuth = spec.routeAuth;
  if (spec.concurrency !== undefined) out.concurrency = spec.concurrency;
  if (spec.readyTimeoutSeconds !== undefined) out.readyTimeoutSeconds = spec.readyTimeoutSeconds;
  if (spec.maxDrainSeconds !== undefined) out.maxDrainSeconds = spec.maxDrainSeconds;
  if (spec.resource !== undefined) out.resourceRequests = resourcesOf(spec.resource, at);
  if (spec.autoscaler !== undefined) out.autoscaler = autoscalerOf(spec.autoscaler, at);
  return { name: metadata.name, namespace: metadata.namespace, body: { spec: out } };
}

type At = (path: (string | number)[], message: string) => EveraiError;

function programOf(spec: ManifestSpec, at: At): ProgramRequest {
  const services = spec.services ?? [];
  const port = spec.port ?? services[0]?.port ?? DEFAULT_PORT;
  const seen = new Set<number>([port]);
  services.forEach((service, i) => {
    if (service.port !== port && seen.has(service.port)) throw at(['services', i, 'port'], `port ${service.port} is listed twice`);
    seen.add(service.port);
  });
  let command: string[] | null = null;
  if (typeof spec.command === 'string') {
    if (spec.args !== undefined) throw at(['args'], 'args go with a command list; a command string is run whole by sh -c');
    command = ['sh', '-c', spec.command];
  } else if (spec.command !== undefined) {
    command = spec.command;
  }
  return {
    command,
    args: spec.args ?? null,
    port,
    servicePorts: [...seen],
    readinessPath: spec.readinessProbe?.httpGet.path ?? null,
  };
}

function mountsOf(spec: ManifestSpec, at: At): MountRequest[] {
  const byName = new Map<string, { kind: MountRequest['kind']; name: string }>();
  spec.volumes.forEach((volume, i) => {
    const sources = [
      volume.volume && { kind: 'volume' as const, name: volume.volume.volume },
      volume.secret && { kind: 'Secret' as const, name: volume.secret.secretName },
      volume.configMap && { kind: 'ConfigMap' as const, name: volume.configMap.name },
    ].filter((source) => source !== undefined);
    if (sources.length !== 1) throw at(['volumes', i], 'needs exactly one of volume, secret or configMap');
    if (byName.has(volume.name)) throw at(['volumes', i, 'name'], `'${volume.name}' is listed twice`);
    byName.set(volume.name, sources[0] as { kind: MountRequest['kind']; name: string });
  });
  const paths = new Set<string>();
  return spec.volumeMounts.map((mount, i) => {
    const source = byName.get(mount.name);
    if (!source) throw at(['volumeMounts', i, 'name'], `no entry of spec.volumes is named '${mount.name}'`);
    const path = mount.mountPath.split('/').filter((part) => part !== '' && part !== '.').join('/');
    if (paths.has(path)) throw at(['volumeMounts', i, 'mountPath'], `${mount.mountPath} is mounted twice`);
    paths.add(path);
    return { mountPath: mount.mountPath, kind: source.kind, name: source.name };
  });
}

function imageAuthOf(spec: ManifestSpec): ImageAuthRequest | null {
  const secrets = spec.imagePullSecrets;
  if (!secrets) return null;
  const ref = (credential: typeof secrets.username): PlaceholderDocument => ({
    placeholder: { kind: 'Secret', name: credential.valueFrom.secretKeyRef.name, key: credential.valueFrom.secretKeyRef.key },
  });
  return { username: ref(secrets.username), password: ref(secrets.password) };
}

/** Through the SDK's own class, so both modes check resources alike. */
function resourcesOf(resource: NonNullable<ManifestSpec['resource']>, at: At): ResourceRequestsDocument {
  const memory = resource.memory === undefined ? undefined : memoryMb(resource.memory);
  if (memory === undefined && resource.memory !== undefined) {
    throw at(['resource', 'memory'], `'${String(resource.memory)}' is not an amount of memory (write e.g. 1 GiB or 512 MiB)`);
  }
  try {
    return new ResourceRequests({
      ...(resource.cpu !== undefined ? { cpuNum: resource.cpu } : {}),
      ...(memory !== undefined ? { memoryMb: memory } : {}),
      ...(resource.gpu !== undefined ? { gpuNum: resource.gpu } : {}),
      ...(resource.gpuConstraints !== undefined ? { gpuConstraints: resource.gpuConstraints } : {}),
    }).toJSON();
  } catch (error) {
    throw at(['resource'], error instanceof Error ? error.message : String(error));
  }
}

/** Through the SDK's autoscaler classes: the same defaults and checks as app.ts gets. */
function autoscalerOf(autoscaler: NonNullable<ManifestSpec['autoscaler']>, at: At): AutoscalerDocument | ManualAutoscalerDocument {
  const { builtin, manual } = autoscaler;
  if ((builtin === undefined) === (manual === undefined)) throw at(['autoscaler'], 'needs exactly one of builtin or manual');
  if (manual) return { kind: 'Manual', args: { defaultWorkerNum: manual.defaultWorkerNum } };
  const { name, arguments: given } = builtin as NonNullable<typeof builtin>;
  const args: Record<string, number | Placeholder> = {};
  for (const [key, value] of Object.entries(given)) {
    args[camelCase(key)] =
      typeof value === 'number'
        ? value
        : new Placeholder(value.valueFrom.configMapKeyRef.name, value.valueFrom.configMapKeyRef.key, { kind: 'ConfigMap' });
  }
  try {
    return (name === 'SimpleAutoScaler' ? new SimpleAutoScaler(args) : new FreeWorkerAutoScaler(args)).toJSON();
  } catch (error) {
    throw at(['autoscaler', 'builtin', 'arguments'], error instanceof Error ? error.message : String(error));
  }
}
