import type { WorkerRecord } from '../records';
import type { WorkerStore } from '../store';
import type { SqlConnection } from './sql-connection';
import { fromColumns } from './sql-rows';
import { insertRecord, updateRecord } from './sql-write';

/**
 * Named, not `*`: the PostgreSQL table has a `rowid` column of its own (SQLite's is implicit and
 * hidden) that orders workers made in the same millisecond, and it is no field of the record.
 */
const COLUMNS =
  'id, app_id, revision, status, phase, pid, port, replace_worker_id, status_reason, created_at, launch_at, deleted_at, last_serve_at, success_count, failed_count';

const LIVE = `status NOT IN ('TERMINATED', 'ERROR')`;

export function sqlWorkerStore(db: SqlConnection): WorkerStore {
  const list = async (where: string, params: unknown[]) =>
    (await db.all(`SELECT ${COLUMNS} FROM workers WHERE ${where} ORDER BY created_at, rowid`, params)).map((row) => fromColumns<WorkerRecord>(row));
  return {
    create: (worker) => insertRecord(db, 'workers', worker, () => `worker ${worker.id} exists already`),
    update: (id, changes) => updateRecord(db, 'workers', 'id', id, changes),
    get: async (id) => (await list('id = ?', [id]))[0],
    listByApp: (appId) => list('app_id = ?', [appId]),
    listLive: () => list(LIVE, []),
    listLiveByApp: (appId) => list(`app_id = ? AND ${LIVE}`, [appId]),
    prune: (before) => db.run(`DELETE FROM workers WHERE status IN ('TERMINATED', 'ERROR') AND deleted_at < ?`, [before]),
  };
}
