import { promises as fs } from 'node:fs';
import { resolve } from 'node:path';
import { WORKER_ID_ENV } from '../local/platform-env';

/**
 * Every worker process carries EVERAI_WORKER_ID and EVERAI_DATA_DIR in its environment, and leads
 * its own process group. That is how a restarted server finds the workers it started before a
 * crash (to adopt them, or kill them when they are not wanted), whatever command they run.
 * Linux only: it reads /proc.
 */
export const DATA_DIR_ENV = 'EVERAI_DATA_DIR';

export interface FoundWorkerProcess {
  workerId: string;
  /** The process group leader: signalling -pgid reaches the worker and all its children. */
  pgid: number;
  /** Its CUDA_VISIBLE_DEVICES: the GPUs it was given ('' for none). */
  visibleGpus: string;
}

async function environOf(pid: number): Promise<Map<string, string> | undefined> {
  try {
    const raw = await fs.readFile(`/proc/${pid}/environ`, 'utf8');
    return new Map(raw.split('\0').filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
  } catch {
    return undefined;
  }
}

async function pgidOf(pid: number): Promise<number | undefined> {
  try {
    const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name in parentheses (which may hold spaces): state ppid pgrp ...
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[2]);
  } catch {
    return undefined;
  }
}

/** The live worker process groups that belong to the server with this data folder, by worker id. */
export async function findWorkerProcesses(dataDir: string): Promise<Map<string, FoundWorkerProcess>> {
  const wanted = resolve(dataDir);
  const found = new Map<string, FoundWorkerProcess>();
  for (const entry of await fs.readdir('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    const env = await environOf(pid);
    const workerId = env?.get(WORKER_ID_ENV);
    if (!workerId || env?.get(DATA_DIR_ENV) !== wanted) continue;
    const pgid = await pgidOf(pid);
    // The leader has pid === pgid; its children share the group and the env.
    if (pgid !== undefined && (!found.has(workerId) || pid === pgid)) found.set(workerId, { workerId, pgid, visibleGpus: env?.get('CUDA_VISIBLE_DEVICES') ?? '' });
  }
  return found;
}

export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** SIGKILLs every worker process group of that data folder (a test's last sweep, a crashed server's orphans). */
export async function killWorkerProcesses(dataDir: string): Promise<number> {
  const found = await findWorkerProcesses(dataDir);
  for (const { pgid } of found.values()) signalGroup(pgid, 'SIGKILL');
  return found.size;
}
