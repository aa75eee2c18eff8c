import { nowIso } from '../../../contract/time';
import type { EventRecord } from '../records';
import type { EventStore } from '../store';
import type { SqlConnection } from './sql-connection';
import { fromColumns } from './sql-rows';

const EVENT_ROW = { rename: { source: 'from' } } as const;

export function sqlEventStore(db: SqlConnection): EventStore {
  return {
    add: async (appId, type, from, message) => {
      await db.run('INSERT INTO events (app_id, type, source, message, created_at) VALUES (?, ?, ?, ?, ?)', [appId, type, from, message, nowIso()]);
    },
    list: async (appId, limit) =>
      (await db.all('SELECT * FROM events WHERE app_id = ? ORDER BY id DESC LIMIT ?', [appId, limit])).map((row) => fromColumns<EventRecord>(row, EVENT_ROW)),
    prune: (before) => db.run('DELETE FROM events WHERE created_at < ?', [before]),
  };
}
