import { EveraiError } from '../../contract/errors';

const DIGEST = /^sha256:([a-f0-9]{64})$/;

/** Only sha256 digests are accepted (OCI image spec, "Digests": the registered algorithm). */
export function parseDigest(digest: string): string {
  const match = DIGEST.exec(digest);
  if (!match) throw new EveraiError('EVERAI_BAD_REQUEST', `invalid digest '${digest}': expected sha256:<64 hex>`);
  return match[1] as string;
}

export function isDigest(value: string): boolean {
  return DIGEST.test(value);
}
