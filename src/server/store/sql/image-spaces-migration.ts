/**
 * The migration that gave each user a space of their own in the registry (docs/tenancy.md,
 * "Images"): every repository that is not yet in its owner's space moves into it, `get-start` of
 * alice to `alice/get-start`, and the app revisions that pinned it follow, so their workers start
 * again from the same image. One already in its owner's space stays where it is.
 *
 * An owner who had both `x` and `alice/x` gets them merged into `alice/x`: every manifest and blob
 * of both stays there, reachable by digest, and a tag both had keeps the one `alice/x` had. The
 * rows are copied aside and deleted before they are written under their new names, because a new
 * name may be the old name of another owner's repository (bob's `alice/x` moves to `bob/alice/x`).
 *
 * SQL both dialects run as it is, but for the statement that rewrites the revisions' JSON, which
 * each passes in: it sets `imageRepository` of `app_revisions.spec` to `image_moves.new` where the
 * revision's app belongs to `image_moves.owner_id` and pinned `image_moves.old`.
 */
export function imageSpacesMigration(rewriteRevisions: string): string {
  const move = (table: string, columns: string[]) => `
  CREATE TEMP TABLE moved_${table} AS
    SELECT m.new AS repository, ${columns.map((c) => `t.${c}`).join(', ')} FROM ${table} t, image_moves m WHERE m.old = t.repository;
  DELETE FROM ${table} WHERE repository IN (SELECT old FROM image_moves);
  INSERT INTO ${table} (repository, ${columns.join(', ')}) SELECT * FROM moved_${table} WHERE true ON CONFLICT DO NOTHING;
  DROP TABLE moved_${table};`;
  return `
  CREATE TEMP TABLE image_moves AS
    SELECT r.repository AS old, u.name || '/' || r.repository AS new, r.owner_id AS owner_id
    FROM image_repositories r, users u
    WHERE u.id = r.owner_id AND substr(r.repository, 1, length(u.name) + 1) <> u.name || '/';
  ${rewriteRevisions};
  ${move('image_repositories', ['owner_id'])}
  ${move('image_manifests', ['digest', 'media_type', 'size', 'created_at'])}
  ${move('image_tags', ['tag', 'digest', 'updated_at'])}
  ${move('image_blobs', ['digest'])}
  DROP TABLE image_moves;
  `;
}
