import { VOLUMES_ENV } from '../../../contract/worker-env';
import type { WorkerLaunch } from '../runtime';

/** Absolute paths of the worker's mounts, by mount path as written in the manifest (normalised). */
export const MOUNTS_ENV = 'EVERAI_MOUNTS';
export const WORKER_ID_ENV = 'EVERAI_WORKER_ID';

/** The ports a worker listens on: `main` in PORT, and each declared service port's real one. */
export interface WorkerPorts {
  main: number;
  /** Declared port (as in app.yaml) → the port the worker really gets. */
  service: Record<string, number>;
}

/** Where the worker's files are, as its env tells it. */
export interface WorkerPlaces {
  /** `EVERAI_VOLUMES` JSON (what the SDK's context reads). */
  volumes: string;
  /** Mount path → absolute path. */
  mounts: Record<string, string>;
}

/**
 * A worker's environment, the same for every runtime past its `base` (what the runtime starts
 * from: a few host variables, or the image's Env): the app's env, then the platform's own, which
 * the app's cannot override.
 */
export function platformEnv(base: Record<string, string>, launch: WorkerLaunch, ports: WorkerPorts, places: WorkerPlaces): Record<string, string> {
  const env: Record<string, string> = { ...base, ...launch.env };
  env.PORT = String(ports.main);
  for (const [declared, real] of Object.entries(ports.service)) env[`PORT_${declared}`] = String(real);
  env[VOLUMES_ENV] = places.volumes;
  if (Object.keys(places.mounts).length > 0) env[MOUNTS_ENV] = JSON.stringify(places.mounts);
  if (launch.program.kind === 'sdk') env.EVERAI_APP_FILE = launch.appFile;
  env[WORKER_ID_ENV] = launch.workerId;
  return env;
}
