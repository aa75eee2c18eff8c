import type { ImageTagRecord, ManifestRecord } from '../records';
import type { ImageStore } from '../store';
import type { SqlConnection } from './sql-connection';
import { fromColumns } from './sql-rows';

/** The registry's repositories, manifests, tags and blob links. */
export function sqlImageStore(db: SqlConnection): ImageStore {
  const column = async (sql: string, params: unknown[], name: string) => (await db.all(sql, params)).map((row) => row[name] as string);
  return {
    putManifest: async (m) => {
      await db.run(
        `INSERT INTO image_manifests (repository, digest, media_type, size, created_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (repository, digest) DO NOTHING`,
        [m.repository, m.digest, m.mediaType, m.size, m.createdAt],
      );
    },
    manifest: async (repository, digest) => {
      const [row] = await db.all('SELECT * FROM image_manifests WHERE repository = ? AND digest = ?', [repository, digest]);
      return row ? fromColumns<ManifestRecord>(row) : undefined;
    },
    setTag: async (t) => {
      await db.run(
        `INSERT INTO image_tags (repository, tag, digest, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (repository, tag) DO UPDATE SET digest = excluded.digest, updated_at = excluded.updated_at`,
        [t.repository, t.tag, t.digest, t.updatedAt],
      );
    },
    tag: async (repository, tag) => {
      const [row] = await db.all('SELECT * FROM image_tags WHERE repository = ? AND tag = ?', [repository, tag]);
      return row ? fromColumns<ImageTagRecord>(row) : undefined;
    },
    tags: (repository) => column('SELECT tag FROM image_tags WHERE repository = ? ORDER BY tag', [repository], 'tag'),
    repositoryOwner: async (repository) => (await column('SELECT owner_id FROM image_repositories WHERE repository = ?', [repository], 'owner_id'))[0],
    claimRepository: async (repository, ownerId) => {
      await db.run('INSERT INTO image_repositories (repository, owner_id) VALUES (?, ?) ON CONFLICT DO NOTHING', [repository, ownerId]);
    },
    linkBlob: async (repository, digest) => {
      await db.run('INSERT INTO image_blobs (repository, digest) VALUES (?, ?) ON CONFLICT DO NOTHING', [repository, digest]);
    },
    hasBlob: async (repository, digest) => (await db.all('SELECT 1 AS found FROM image_blobs WHERE repository = ? AND digest = ?', [repository, digest])).length > 0,
    manifestsOf: (repository) => column('SELECT digest FROM image_manifests WHERE repository = ?', [repository], 'digest'),
    manifestDigests: () => column('SELECT DISTINCT digest FROM image_manifests', [], 'digest'),
  };
}
