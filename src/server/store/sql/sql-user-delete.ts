import type { SqlConnection } from './sql-connection';

/**
 * Every row a user owns, deleted in the caller's transaction, children before parents so the
 * foreign keys hold. A table keyed by owner joins this list when it is added.
 * Blobs are not touched here: once no row names them, blob collection takes them.
 */
const OWNED_ROWS: readonly string[] = [
  'DELETE FROM workers WHERE app_id IN (SELECT id FROM apps WHERE owner_id = ?)',
  'DELETE FROM events WHERE app_id IN (SELECT id FROM apps WHERE owner_id = ?)',
  'DELETE FROM apps WHERE owner_id = ?',
  'DELETE FROM namespaces WHERE owner_id = ?',
  'DELETE FROM volumes WHERE owner_id = ?',
  'DELETE FROM volume_blob_claims WHERE user_id = ?',
  'DELETE FROM key_values WHERE owner_id = ?',
  'DELETE FROM image_blobs WHERE repository IN (SELECT repository FROM image_repositories WHERE owner_id = ?)',
  'DELETE FROM image_tags WHERE repository IN (SELECT repository FROM image_repositories WHERE owner_id = ?)',
  'DELETE FROM image_manifests WHERE repository IN (SELECT repository FROM image_repositories WHERE owner_id = ?)',
  'DELETE FROM image_repositories WHERE owner_id = ?',
  'DELETE FROM users WHERE id = ?',
];

export async function deleteUserRows(connection: SqlConnection, id: string): Promise<void> {
  for (const sql of OWNED_ROWS) await connection.run(sql, [id]);
}
