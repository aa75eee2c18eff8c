import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { hostPython, isPythonAppFile, PYTHON_SDK_PATH, PYTHON_WORKER_ENV, PYTHON_WORKER_MODULE } from '../../../contract/python-worker';
import { LISTEN_HOST_ENV } from '../../../contract/worker-env';
import type { WorkerLaunch } from '../runtime';
import { expandVars } from '../local/expand-vars';
import { platformEnv, type WorkerPlaces, type WorkerPorts } from '../local/platform-env';
import { freePort, freePortsAt } from '../../free-port';
import { DATA_DIR_ENV } from './worker-processes';

/** The SDK's worker main, run inside the unpacked image's app folder. */
const WORKER_ENTRY = join(__dirname, '..', '..', '..', 'sdk', 'worker', 'worker-entry.js');
/** What a worker inherits from the server's environment; nothing else (no tokens, no secrets). */
const INHERITED_ENV = ['PATH', 'HOME', 'LANG', 'TZ', 'TMPDIR'];

/**
 * A free port for the main port and for every other declared one, at the same distance from the
 * main one as declared, as a container keeps them: HAProxy reaches a service port of any worker
 * from its main one (docs/data-plane.md, "Service ports"). When no such layout is free, each gets
 * any free port, and such a worker's service ports are reached beside HAProxy's count.
 */
export async function allocatePorts(launch: WorkerLaunch): Promise<WorkerPorts> {
  if (launch.program.kind !== 'command') return { main: await freePort(), service: {} };
  const { port: declaredMain, servicePorts } = launch.program;
  const laidOut = await freePortsAt(servicePorts.map((declared) => declared - declaredMain));
  const main = laidOut ?? (await freePort());
  const service: Record<string, number> = {};
  for (const declared of servicePorts) {
    service[declared] = laidOut === undefined && declared !== declaredMain ? await freePort() : main + declared - declaredMain;
  }
  return { main, service };
}

function isPythonApp(launch: WorkerLaunch): boolean {
  return launch.program.kind === 'sdk' && isPythonAppFile(launch.appFile);
}

/** A worker process's environment: a few variables of the server's, then what every runtime gives. */
export function workerEnv(launch: WorkerLaunch, ports: WorkerPorts, places: WorkerPlaces, dataDir: string, rootfs: string): Record<string, string> {
  const inherited: Record<string, string> = {};
  for (const name of INHERITED_ENV) if (process.env[name]) inherited[name] = process.env[name];
  // A Python app runs on this machine's python3 (with its Flask), with the SDK its image carries.
  if (isPythonApp(launch)) Object.assign(inherited, PYTHON_WORKER_ENV, { PYTHONPATH: join(rootfs, PYTHON_SDK_PATH) });
  // Workers share this machine's network: loopback keeps them reachable through the gateway only.
  return { ...platformEnv(inherited, launch, ports, places), [LISTEN_HOST_ENV]: '127.0.0.1', [DATA_DIR_ENV]: dataDir };
}

/** What to execute: the SDK's worker (Node's, or Python's for an app.py), or the manifest's command line with `$(VAR)` expanded. */
export function programCommand(launch: WorkerLaunch, rootfs: string, env: Record<string, string>): { file: string; args: string[] } {
  if (isPythonApp(launch)) return { file: hostPython(), args: ['-m', PYTHON_WORKER_MODULE] };
  if (launch.program.kind === 'sdk') return { file: process.execPath, args: [WORKER_ENTRY] };
  const [first = '', ...args] = launch.program.argv.map((word) => expandVars(word, env));
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
