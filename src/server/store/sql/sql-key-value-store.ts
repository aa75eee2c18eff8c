import type { KeyValueRecord } from '../records';
import type { KeyValueStore, KeyValueSummary } from '../store';
import type { SqlConnection } from './sql-connection';
import { fromColumns } from './sql-rows';
import { insertRecord } from './sql-write';

/** Secrets and configmaps (docs/secrets.md): one row per version. */
export function sqlKeyValueStore(db: SqlConnection): KeyValueStore {
  const records = async (sql: string, params: unknown[]) => (await db.all(sql, params)).map((row) => fromColumns<KeyValueRecord>(row));
  return {
    add: (value) =>
      insertRecord(db, 'key_values', value, () => `${value.kind.toLowerCase()} '${value.name}' changed meanwhile (version ${value.version} exists)`),
    get: async (ownerId, kind, name, version) =>
      (
        await (version === undefined
          ? records('SELECT * FROM key_values WHERE owner_id = ? AND kind = ? AND name = ? ORDER BY version DESC LIMIT 1', [ownerId, kind, name])
          : records('SELECT * FROM key_values WHERE owner_id = ? AND kind = ? AND name = ? AND version = ?', [ownerId, kind, name, version]))
      )[0],
    list: async (ownerId, kind) =>
      (
        await db.all(
          `SELECT name, max(version) AS version, min(created_at) AS created_at, max(created_at) AS updated_at,
             (SELECT items FROM key_values newest WHERE newest.owner_id = kv.owner_id AND newest.kind = kv.kind
                AND newest.name = kv.name ORDER BY version DESC LIMIT 1) AS items
           FROM key_values kv WHERE owner_id = ? AND kind = ? GROUP BY owner_id, kind, name ORDER BY name`,
          [ownerId, kind],
        )
      ).map((row) => fromColumns<KeyValueSummary>(row)),
    delete: async (ownerId, kind, name) => (await db.run('DELETE FROM key_values WHERE owner_id = ? AND kind = ? AND name = ?', [ownerId, kind, name])) > 0,
    all: (kind) => records('SELECT * FROM key_values WHERE kind = ? ORDER BY owner_id, name, version', [kind]),
    reseal: async ({ ownerId, kind, name, version, data, keyId }) => {
      await db.run('UPDATE key_values SET data = ?, key_id = ? WHERE owner_id = ? AND kind = ? AND name = ? AND version = ?', [data, keyId, ownerId, kind, name, version]);
    },
    keyIds: async () => (await db.all(`SELECT DISTINCT key_id FROM key_values WHERE key_id != ''`)).map((row) => row.key_id as string),
  };
}
