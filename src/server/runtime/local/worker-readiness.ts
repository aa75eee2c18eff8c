import { promises as fs } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { request } from 'undici';
import { READINESS_PATH } from '../../../contract/worker-env';
import type { WorkerEndpoint } from '../runtime';

/**
 * When a worker is ready (docs/manifest.md, "Readiness"): the SDK's worker answers 200 on its
 * readiness path; a manifest program answers exactly 200 on its `readinessProbe.httpGet.path`,
 * or, without a probe, accepts connections on its port.
 */
export type Readiness = { kind: 'sdk' } | { kind: 'command'; path: string | null };

const PROBE_TIMEOUT_MS = 2000;

export async function probeWorker(endpoint: WorkerEndpoint, readiness: Readiness, signal: AbortSignal): Promise<boolean> {
  const path = readiness.kind === 'sdk' ? READINESS_PATH : readiness.path;
  const timeout = AbortSignal.any([signal, AbortSignal.timeout(PROBE_TIMEOUT_MS)]);
  if (path === null) return accepts(new URL(endpoint.url).hostname, endpoint.port, timeout);
  try {
    const res = await request(`${endpoint.url}${path}`, { signal: timeout });
    await res.body.dump();
    return res.statusCode === 200;
  } catch {
    return false;
  }
}

function accepts(host: string, port: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host, signal });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** What a restarted server must know of a worker it adopts, beside its main port: nothing secret, no env. */
interface EndpointFile {
  servicePorts: Record<string, number>;
  readiness: Readiness;
}

const ENDPOINT_FILE = 'endpoint.json';

export async function writeEndpointFile(workerDir: string, endpoint: EndpointFile): Promise<void> {
  await fs.mkdir(workerDir, { recursive: true });
  await fs.writeFile(join(workerDir, ENDPOINT_FILE), JSON.stringify(endpoint));
}

/** Workers started before this file existed are SDK workers with one port. */
export async function readEndpointFile(workerDir: string): Promise<EndpointFile> {
  try {
    return JSON.parse(await fs.readFile(join(workerDir, ENDPOINT_FILE), 'utf8')) as EndpointFile;
  } catch {
    return { servicePorts: {}, readiness: { kind: 'sdk' } };
  }
}
