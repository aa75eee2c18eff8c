import type { SqliteDatabase } from './sqlite-driver';

/**
 * Every row a user owns, deleted in the caller's transaction, children before parents so the
 * foreign keys hold. A table keyed by owner joins this list when it is added.
 * Blobs are not touched here: once no row names them, blob collection takes them.
 */
const OWNED_ROWS: readonly string[] = [
  'DELETE FROM workers WHERE app_id IN (SELECT id FROM apps WHERE owner_id = @id)',
  'DELETE FROM events WHERE app_id IN (SELECT id FROM apps WHERE owner_id = @id)',
  'DELETE FROM apps WHERE owner_id = @id',
  'DELETE FROM namespaces WHERE owner_id = @id',
  'DELETE FROM volumes WHERE owner_id = @id',
  'DELETE FROM volume_blob_claims WHERE user_id = @id',
  'DELETE FROM key_values WHERE owner_id = @id',
  'DELETE FROM image_blobs WHERE repository IN (SELECT repository FROM image_repositories WHERE owner_id = @id)',
  'DELETE FROM image_tags WHERE repository IN (SELECT repository FROM image_repositories WHERE owner_id = @id)',
  'DELETE FROM image_manifests WHERE repository IN (SELECT repository FROM image_repositories WHERE owner_id = @id)',
  'DELETE FROM image_repositories WHERE owner_id = @id',
  'DELETE FROM users WHERE id = @id',
];

export function deleteUserRows(db: SqliteDatabase, id: string): void {
  for (const sql of OWNED_ROWS) db.prepare(sql).run({ id });
}
