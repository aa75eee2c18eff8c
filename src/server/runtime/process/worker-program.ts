import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { LISTEN_HOST_ENV } from '../../../common/worker-env';
import { VOLUMES_ENV } from '../../../sdk/context';
import type { WorkerLaunch } from '../runtime';
import { freePort } from './free-port';
import { DATA_DIR_ENV, WORKER_ID_ENV } from './worker-processes';

/** The SDK's worker main, run inside the unpacked image's app folder. */
const WORKER_ENTRY = join(__dirname, '..', '..', '..', 'sdk', 'worker', 'worker-entry.js');
/** What a worker inherits from the server's environment; nothing else (no tokens, no secrets). */
const INHERITED_ENV = ['PATH', 'HOME', 'LANG', 'TZ', 'TMPDIR'];
/** Absolute paths of the worker's mounts, by mount path as written in the manifest (normalised). */
export const MOUNTS_ENV = 'EVERAI_MOUNTS';

/** The ports a worker listens on: `main` in PORT, and each declared service port's real one. */
export interface WorkerPorts {
  main: number;
  /** Declared port (as in app.yaml) → the free port the worker really gets. */
  service: Record<string, number>;
}

/** Where the worker's files are, as its env tells it. */
export interface WorkerPlaces {
  dataDir: string;
  /** `EVERAI_VOLUMES` JSON (what the SDK's context reads). */
  volumes: string;
  /** Mount path → absolute path. */
  mounts: Record<string, string>;
}

/** A free port for the main port and for every other declared one. */
export async function allocatePorts(launch: WorkerLaunch): Promise<WorkerPorts> {
  const main = await freePort();
  const service: Record<string, number> = {};
  if (launch.program.kind === 'command') {
    for (const declared of launch.program.servicePorts) service[declared] = declared === launch.program.port ? main : await freePort();
  }
  return { main, service };
}

/**
 * The worker's environment, the same for its process and for `worker exec`: a few variables of the
 * server's, the app's env, then the platform's own (which the app's cannot override).
 */
export function workerEnv(launch: WorkerLaunch, ports: WorkerPorts, places: WorkerPlaces): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of INHERITED_ENV) if (process.env[name]) env[name] = process.env[name] as string;
  Object.assign(env, launch.env);
  env.PORT = String(ports.main);
  // Workers share this machine's network: loopback keeps them reachable through the gateway only.
  env[LISTEN_HOST_ENV] = '127.0.0.1';
  for (const [declared, real] of Object.entries(ports.service)) env[`PORT_${declared}`] = String(real);
  env[VOLUMES_ENV] = places.volumes;
  if (Object.keys(places.mounts).length > 0) env[MOUNTS_ENV] = JSON.stringify(places.mounts);
  if (launch.program.kind === 'sdk') env.EVERAI_APP_FILE = launch.appFile;
  env[WORKER_ID_ENV] = launch.workerId;
  env[DATA_DIR_ENV] = places.dataDir;
  return env;
}

/** What to execute: the SDK's worker entry, or the manifest's command line. */
export function programCommand(launch: WorkerLaunch, rootfs: string): { file: string; args: string[] } {
  if (launch.program.kind === 'sdk') return { file: process.execPath, args: [WORKER_ENTRY] };
  const [first = '', ...args] = launch.program.argv;
  return { file: commandFile(first, rootfs), args };
}

/**
 * Workers are not chrooted: a bare name is looked up on PATH, a relative path is taken in the
 * worker's folder, and an absolute one inside the image when the image has that file (`/app/run.sh`),
 * else on this machine (`/usr/bin/python3`).
 */
export function commandFile(command: string, rootfs: string): string {
  if (command.startsWith('/') && existsSync(join(rootfs, command))) return join(rootfs, command);
  return command;
}
