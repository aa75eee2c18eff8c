import { EveraiError } from '../../../contract/errors';
import type { KeyValueRecord } from '../records';
import type { KeyValueStore, KeyValueSummary } from '../store';
import type { SqliteDatabase } from './sqlite-driver';
import { fromColumns, insertSql, toColumns } from './sqlite-rows';

/** Secrets and configmaps in SQLite: one row per version. */
export function sqliteKeyValueStore(db: SqliteDatabase): KeyValueStore {
  const record = (row: unknown) => (row ? fromColumns<KeyValueRecord>(row) : undefined);
  return {
    add: async (value) => {
      const row = toColumns(value);
      try {
        db.prepare(insertSql('key_values', row)).run(row);
      } catch (error) {
        if ((error as { code?: string }).code !== 'SQLITE_CONSTRAINT_PRIMARYKEY') throw error;
        throw new EveraiError('EVERAI_CONFLICT', `${value.kind.toLowerCase()} '${value.name}' changed meanwhile (version ${value.version} exists)`, { cause: error });
      }
    },
    get: async (ownerId, kind, name, version) =>
      record(
        version === undefined
          ? db
              .prepare('SELECT * FROM key_values WHERE owner_id = ? AND kind = ? AND name = ? ORDER BY version DESC LIMIT 1')
              .get(ownerId, kind, name)
          : db.prepare('SELECT * FROM key_values WHERE owner_id = ? AND kind = ? AND name = ? AND version = ?').get(ownerId, kind, name, version),
      ),
    list: async (ownerId, kind) =>
      db
        .prepare(
          `SELECT name, max(version) AS version, min(created_at) AS created_at, max(created_at) AS updated_at,
             (SELECT items FROM key_values newest WHERE newest.owner_id = kv.owner_id AND newest.kind = kv.kind
                AND newest.name = kv.name ORDER BY version DESC LIMIT 1) AS items
           FROM key_values kv WHERE owner_id = ? AND kind = ? GROUP BY owner_id, kind, name ORDER BY name`,
        )
        .all(ownerId, kind)
        .map((row) => fromColumns<KeyValueSummary>(row)),
    delete: async (ownerId, kind, name) =>
      db.prepare('DELETE FROM key_values WHERE owner_id = ? AND kind = ? AND name = ?').run(ownerId, kind, name).changes > 0,
    all: async (kind) =>
      db
        .prepare('SELECT * FROM key_values WHERE kind = ? ORDER BY owner_id, name, version')
        .all(kind)
        .map((row) => fromColumns<KeyValueRecord>(row)),
    reseal: async ({ ownerId, kind, name, version, data, keyId }) => {
      db.prepare('UPDATE key_values SET data = ?, key_id = ? WHERE owner_id = ? AND kind = ? AND name = ? AND version = ?').run(
        data,
        keyId,
        ownerId,
        kind,
        name,
        version,
      );
    },
    keyIds: async () =>
      (db.prepare(`SELECT DISTINCT key_id FROM key_values WHERE key_id != ''`).all() as { key_id: string }[]).map((row) => row.key_id),
  };
}
