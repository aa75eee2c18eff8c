import type { RevisionSpec } from './records';

/**
 * A revision as stored may predate fields added to RevisionSpec since: every store reads specs
 * through this, so the rest of the server sees every field. Each new field adds its default here.
 */
export function withSpecDefaults(stored: Partial<RevisionSpec>): RevisionSpec {
  return {
    imageRef: '',
    imageRepository: '',
    imageDigest: '',
    appFile: 'app.ts',
    env: {},
    volumes: [],
    program: { kind: 'sdk' },
    mounts: [],
    imagePull: null,
    ...stored,
  };
}
