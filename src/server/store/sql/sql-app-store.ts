import { nowIso } from '../../../contract/time';
import type { AppRecord, AppRevisionRecord } from '../records';
import { withSpecDefaults } from '../revision-spec-defaults';
import type { AppStore } from '../store';
import type { SqlConnection, SqlRow } from './sql-connection';
import { fromColumns } from './sql-rows';
import { insertRecord, updateRecord } from './sql-write';
import type { Within } from './within';

const APP_ROW = { booleans: ['paused'], json: ['autoscaler'] } as const;
/** Named, not `*`: `failures` and `halt_reason` are the controller's (countFailure, haltRevision), no fields of the record. */
const REVISION_COLUMNS = 'app_id, revision, spec, created_at';

function revisionFromRow(row: SqlRow): AppRevisionRecord {
  const revision = fromColumns<AppRevisionRecord>(row, { json: ['spec'] });
  return { ...revision, spec: withSpecDefaults(revision.spec) };
}

export function sqlAppStore(db: SqlConnection, within: Within): AppStore {
  const one = async (sql: string, params: unknown[]) => {
    const [row] = await db.all(sql, params);
    return row ? fromColumns<AppRecord>(row, APP_ROW) : undefined;
  };
  return {
    create: (app) =>
      insertRecord(db, 'apps', app, () => `app '${app.name}' already exists in namespace '${app.namespace}' (or its route name '${app.routeName}' is taken)`, APP_ROW.json),
    update: (id, changes) => updateRecord(db, 'apps', 'id', id, { ...changes, updatedAt: nowIso() }, APP_ROW.json),
    // Revisions go by their foreign key; workers and events name the app without one (they are
    // written on hot paths), so they go here, in the same transaction.
    delete: (id) =>
      within(async (tx) => {
        await tx.run('DELETE FROM workers WHERE app_id = ?', [id]);
        await tx.run('DELETE FROM events WHERE app_id = ?', [id]);
        await tx.run('DELETE FROM apps WHERE id = ?', [id]);
      }),
    get: (id) => one('SELECT * FROM apps WHERE id = ?', [id]),
    byName: (ownerId, namespace, name) => one('SELECT * FROM apps WHERE owner_id = ? AND namespace = ? AND name = ?', [ownerId, namespace, name]),
    byRouteName: (routeName) => one('SELECT * FROM apps WHERE route_name = ?', [routeName]),
    list: async (filter = {}) => {
      const given = (
        [
          ['owner_id', filter.ownerId],
          ['namespace', filter.namespace],
        ] as const
      ).filter(([, value]) => value !== undefined);
      const where = given.length > 0 ? `WHERE ${given.map(([column]) => `${column} = ?`).join(' AND ')}` : '';
      const rows = await db.all(`SELECT * FROM apps ${where} ORDER BY created_at, name`, given.map(([, value]) => value));
      return rows.map((row) => fromColumns<AppRecord>(row, APP_ROW));
    },
    addRevision: (revision) =>
      insertRecord(db, 'app_revisions', revision, () => `revision ${revision.revision} of the app exists already: it changed meanwhile`, ['spec']),
    revision: async (appId, revision) => {
      const [row] = await db.all(`SELECT ${REVISION_COLUMNS} FROM app_revisions WHERE app_id = ? AND revision = ?`, [appId, revision]);
      return row ? revisionFromRow(row) : undefined;
    },
    revisions: async (appId) => (await db.all(`SELECT ${REVISION_COLUMNS} FROM app_revisions WHERE app_id = ? ORDER BY revision`, [appId])).map(revisionFromRow),
    // One statement, so two failures counted at once both land (no read-then-write to race).
    countFailure: async (appId, revision) => {
      const [row] = await db.all('UPDATE app_revisions SET failures = failures + 1 WHERE app_id = ? AND revision = ? RETURNING failures', [appId, revision]);
      return Number(row?.failures ?? 0);
    },
    failuresOfFailedApps: async () => {
      const rows = await db.all(`SELECT r.app_id, r.failures FROM apps a JOIN app_revisions r ON r.app_id = a.id AND r.revision = a.target_revision WHERE a.status = 'FAILED'`);
      return new Map(rows.map((row) => [String(row.app_id), Number(row.failures)]));
    },
    // Called every pass for a stable worker's revision: it writes only when there is something to forgive.
    forgiveFailures: async (appId, revision) => {
      await db.run('UPDATE app_revisions SET failures = 0 WHERE app_id = ? AND revision = ? AND failures > 0', [appId, revision]);
    },
    haltRevision: async (appId, revision, reason) => {
      await db.run('UPDATE app_revisions SET halt_reason = ? WHERE app_id = ? AND revision = ?', [reason, appId, revision]);
    },
    haltReasons: async (appId) => {
      const rows = await db.all("SELECT revision, halt_reason FROM app_revisions WHERE app_id = ? AND halt_reason <> '' ORDER BY revision", [appId]);
      return new Map(rows.map((row) => [Number(row.revision), String(row.halt_reason)]));
    },
  };
}
