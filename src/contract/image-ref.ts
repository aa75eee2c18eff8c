import { EveraiError } from './errors';

/** A parsed image reference: `[host[:port]/]repository[:tag][@digest]`. */
export interface ImageRef {
  /** The registry host (and port) when the reference names one. */
  host?: string;
  repository: string;
  /** `latest` when the reference has neither a tag nor a digest. */
  tag?: string;
  digest?: string;
}

// OCI distribution spec, "Pulling manifests": repository names and tags.
const PATH_COMPONENT = '[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*';
const REPOSITORY = new RegExp(`^${PATH_COMPONENT}(?:/${PATH_COMPONENT})*$`);
const TAG = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;
const SHA256_DIGEST = /^sha256:[a-f0-9]{64}$/;
const HOST = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[a-fA-F0-9:]+\])(?::[0-9]+)?$/;
/** Docker's limit on a repository name, host included. */
const MAX_NAME_LENGTH = 255;

export const DEFAULT_TAG = 'latest';

export function isRepositoryName(name: string): boolean {
  return name.length <= MAX_NAME_LENGTH && REPOSITORY.test(name);
}

export function isTag(tag: string): boolean {
  return TAG.test(tag);
}

function invalid(ref: string, why: string): EveraiError {
  return new EveraiError('EVERAI_BAD_REQUEST', `invalid image reference '${ref}': ${why}`);
}

/**
 * Parses a reference the way docker does: the first path segment is a registry host when it has a
 * `.` or a `:`, or is `localhost`; the tag follows the last `:` after the last `/`.
 */
export function parseImageRef(ref: string): ImageRef {
  let rest = ref.trim();
  if (rest === '') throw invalid(ref, 'it is empty');
  const parsed: Partial<ImageRef> = {};

  const at = rest.indexOf('@');
  if (at >= 0) {
    const digest = rest.slice(at + 1);
    if (!SHA256_DIGEST.test(digest)) throw invalid(ref, `the digest must be sha256:<64 lowercase hex>, got '${digest}'`);
    parsed.digest = digest;
    rest = rest.slice(0, at);
  }

  const slash = rest.indexOf('/');
  const first = slash >= 0 ? rest.slice(0, slash) : '';
  if (slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost')) {
    if (!HOST.test(first)) throw invalid(ref, `'${first}' is not a valid registry host`);
    parsed.host = first;
    rest = rest.slice(slash + 1);
  }

  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    const tag = rest.slice(colon + 1);
    if (!isTag(tag)) throw invalid(ref, `'${tag}' is not a valid tag (letters, digits, '_', '.', '-', at most 128, not starting with '.' or '-')`);
    parsed.tag = tag;
    rest = rest.slice(0, colon);
  }

  if (!isRepositoryName(rest)) {
    throw invalid(
      ref,
      `'${rest}' is not a valid repository name (lowercase letters and digits, separated by '.', '_', '__' or '-', in '/'-separated parts)`,
    );
  }
  parsed.repository = rest;
  if (parsed.tag === undefined && parsed.digest === undefined) parsed.tag = DEFAULT_TAG;
  return parsed as ImageRef;
}

export function formatImageRef(ref: ImageRef): string {
  return `${ref.host ? `${ref.host}/` : ''}${ref.repository}${ref.tag ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
}
