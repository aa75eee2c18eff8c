import { nowIso } from '../../../contract/time';
import type { VolumeRecord, VolumeRevisionRecord } from '../records';
import type { VolumeStore } from '../store';
import type { SqliteDatabase } from './sqlite-driver';
import { fromColumns, insertSql, toColumns } from './sqlite-rows';

/** Volumes and their revisions (docs/volumes.md) in SQLite. */
export function sqliteVolumeStore(db: SqliteDatabase): VolumeStore {
  const insert = (table: string, record: object) => {
    const row = toColumns(record);
    db.prepare(insertSql(table, row)).run(row);
  };
  const volume = (row: unknown) => (row ? fromColumns<VolumeRecord>(row) : undefined);
  const revision = (row: unknown) => (row ? fromColumns<VolumeRevisionRecord>(row) : undefined);
  return {
    create: async (record) => insert('volumes', record),
    get: async (id) => volume(db.prepare('SELECT * FROM volumes WHERE id = ?').get(id)),
    byName: async (ownerId, name) => volume(db.prepare('SELECT * FROM volumes WHERE owner_id = ? AND name = ?').get(ownerId, name)),
    list: async (ownerId) =>
      db
        .prepare('SELECT * FROM volumes WHERE owner_id = ? ORDER BY name')
        .all(ownerId)
        .map((row) => fromColumns<VolumeRecord>(row)),
    setStatus: async (id, status) => {
      db.prepare('UPDATE volumes SET status = ?, updated_at = ? WHERE id = ?').run(status, nowIso(), id);
    },
    delete: async (id) => {
      db.prepare('DELETE FROM volumes WHERE id = ?').run(id);
    },
    addRevision: async (record) => {
      insert('volume_revisions', record);
      db.prepare('UPDATE volumes SET updated_at = ? WHERE id = ?').run(record.createdAt, record.volumeId);
    },
    latestRevision: async (volumeId) =>
      revision(db.prepare('SELECT * FROM volume_revisions WHERE volume_id = ? ORDER BY seq DESC LIMIT 1').get(volumeId)),
    revision: async (volumeId, name) =>
      revision(db.prepare('SELECT * FROM volume_revisions WHERE volume_id = ? AND name = ?').get(volumeId, name)),
    fileListDigests: async () =>
      (db.prepare('SELECT DISTINCT file_list_digest FROM volume_revisions').all() as { file_list_digest: string }[]).map(
        (row) => row.file_list_digest,
      ),
    claimBlob: async (userId, digest) => {
      db.prepare('INSERT INTO volume_blob_claims (user_id, digest) VALUES (?, ?) ON CONFLICT DO NOTHING').run(userId, digest);
    },
    claimedBlobs: async (userId, digests) => {
      const claimed = new Set<string>();
      const lookup = db.prepare('SELECT 1 FROM volume_blob_claims WHERE user_id = ? AND digest = ?');
      for (const digest of digests) if (lookup.get(userId, digest)) claimed.add(digest);
      return claimed;
    },
  };
}
