import Database from 'better-sqlite3';
import { join } from 'node:path';

/**
 * The loopback port a worker listens on. No API exposes it (the worker list has no address, as a
 * user has no business bypassing the gateway), so the benchmark reads the server's own state:
 * `workers.port` in `DATA/state.db`. Read-only, beside the running server, which WAL mode allows.
 * This ties the benchmark to the SQLite store's schema; the alternative, `PORT` in the worker's
 * /proc/PID/environ, would tie it to the process runtime instead.
 */
export function workerPort(dataDir: string, workerId: string): number {
  const db = new Database(join(dataDir, 'state.db'), { readonly: true, fileMustExist: true });
  try {
    const row = db.prepare('SELECT port FROM workers WHERE id = ?').get(workerId) as { port: number | null } | undefined;
    if (!row?.port) throw new Error(`worker ${workerId} has no port in ${dataDir}/state.db`);
    return row.port;
  } finally {
    db.close();
  }
}
