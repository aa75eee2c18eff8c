import { nowIso } from '../../../contract/time';
import type { VolumeRecord, VolumeRevisionRecord } from '../records';
import type { VolumeStore } from '../store';
import type { SqlConnection } from './sql-connection';
import { fromColumns } from './sql-rows';
import { insertRecord } from './sql-write';
import type { Within } from './within';

/** Digests a claims lookup asks for in one query: well below SQLite's limit of parameters. */
const CLAIM_LOOKUP_BATCH = 500;

/** Volumes and their revisions (docs/volumes.md). */
export function sqlVolumeStore(db: SqlConnection, within: Within): VolumeStore {
  const volume = async (sql: string, params: unknown[]) => {
    const [row] = await db.all(sql, params);
    return row ? fromColumns<VolumeRecord>(row) : undefined;
  };
  const revision = async (sql: string, params: unknown[]) => {
    const [row] = await db.all(sql, params);
    return row ? fromColumns<VolumeRevisionRecord>(row) : undefined;
  };
  return {
    create: (record) => insertRecord(db, 'volumes', record, () => `volume '${record.name}' already exists`),
    get: (id) => volume('SELECT * FROM volumes WHERE id = ?', [id]),
    byName: (ownerId, name) => volume('SELECT * FROM volumes WHERE owner_id = ? AND name = ?', [ownerId, name]),
    list: async (ownerId) => (await db.all('SELECT * FROM volumes WHERE owner_id = ? ORDER BY name', [ownerId])).map((row) => fromColumns<VolumeRecord>(row)),
    setStatus: async (id, status) => {
      await db.run('UPDATE volumes SET status = ?, updated_at = ? WHERE id = ?', [status, nowIso(), id]);
    },
    delete: async (id) => {
      await db.run('DELETE FROM volumes WHERE id = ?', [id]);
    },
    addRevision: (record) =>
      within(async (tx) => {
        await insertRecord(tx, 'volume_revisions', record, () => `revision ${record.name} of the volume exists already: it changed meanwhile`);
        await tx.run('UPDATE volumes SET updated_at = ? WHERE id = ?', [record.createdAt, record.volumeId]);
      }),
    latestRevision: (volumeId) => revision('SELECT * FROM volume_revisions WHERE volume_id = ? ORDER BY seq DESC LIMIT 1', [volumeId]),
    revision: (volumeId, name) => revision('SELECT * FROM volume_revisions WHERE volume_id = ? AND name = ?', [volumeId, name]),
    fileListDigests: async () => (await db.all('SELECT DISTINCT file_list_digest FROM volume_revisions')).map((row) => row.file_list_digest as string),
    claimBlob: async (userId, digest) => {
      await db.run('INSERT INTO volume_blob_claims (user_id, digest) VALUES (?, ?) ON CONFLICT DO NOTHING', [userId, digest]);
    },
    claimedBlobs: async (userId, digests) => {
      // A query a few hundred digests at a time: one per digest made 10,000 for a push of 10,000 files.
      const asked = [...new Set(digests)];
      const claimed = new Set<string>();
      for (let from = 0; from < asked.length; from += CLAIM_LOOKUP_BATCH) {
        const some = asked.slice(from, from + CLAIM_LOOKUP_BATCH);
        const rows = await db.all(`SELECT digest FROM volume_blob_claims WHERE user_id = ? AND digest IN (${some.map(() => '?').join(', ')})`, [userId, ...some]);
        for (const row of rows) claimed.add(row.digest as string);
      }
      return claimed;
    },
  };
}
