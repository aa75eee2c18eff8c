import { EveraiError } from '../../contract/errors';
import type { AppRecord, UserRecord, WorkerRecord } from '../store/records';
import type { Store } from '../store/store';

/** A worker by id with its app, if the user owns it; another user's worker answers as if it did not exist. */
export async function ownedWorker(store: Store, user: UserRecord, id: string): Promise<{ worker: WorkerRecord; app: AppRecord }> {
  const worker = await store.workers.get(id);
  const app = worker && (await store.apps.get(worker.appId));
  if (!worker || !app || app.ownerId !== user.id) throw new EveraiError('EVERAI_NOT_FOUND', `worker '${id}' not found`);
  return { worker, app };
}
