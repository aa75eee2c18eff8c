import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../logger';
import type { Store, WorkerStore } from '../store/store';
import { RetentionLoop } from './retention-loop';

/**
 * Keeps `worker list -a` and the workers table bounded (docs/worker-lifecycle.md): TERMINATED and
 * ERROR workers gone longer than the retention age are dropped from the store, then the folders
 * (`<data>/workers/<id>`, with the log `worker logs` reads) of workers the store no longer has.
 */
export class WorkerRetention extends RetentionLoop {
  constructor(store: Store, workersDir: string, retentionMs: number, log: Logger, everyMs?: number) {
    super(
      'worker',
      retentionMs,
      async (before) => {
        const pruned = await store.workers.prune(before);
        await sweepWorkerFolders(workersDir, store.workers);
        return pruned;
      },
      log,
      everyMs,
    );
  }
}

/**
 * Removes each worker folder whose worker has no record: pruned, its app deleted, or its removal
 * cut short by a crash. A worker is recorded before the runtime makes its folder, so no folder of
 * a worker being started goes. Returns the ids whose folders went.
 */
export async function sweepWorkerFolders(workersDir: string, workers: Pick<WorkerStore, 'get'>): Promise<string[]> {
  let names: string[];
  try {
    names = await fs.readdir(workersDir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const removed: string[] = [];
  for (const id of names) {
    if (await workers.get(id)) continue;
    await fs.rm(join(workersDir, id), { recursive: true, force: true });
    removed.push(id);
  }
  return removed;
}
