/**
 * Revision names (docs/volumes.md): `NNNNNN-hhh`, a six-digit sequence and the first three hex digits of
 * the sha256 of the revision's file list. A new volume is at `000000-000`, with no files.
 */
export const EMPTY_REVISION = '000000-000';

const REVISION_NAME = /^\d{6,}-[0-9a-f]{3}$/;

export function revisionName(seq: number, fileListDigest: string): string {
  return `${String(seq).padStart(6, '0')}-${fileListDigest.slice('sha256:'.length, 'sha256:'.length + 3)}`;
}

export function isRevisionName(value: string): boolean {
  return REVISION_NAME.test(value);
}
