import { EveraiError } from '../../contract/errors';

/**
 * A path segment as the client meant it. A malformed percent-escape (`%E0%A4%A`) is the client's
 * mistake, so it is a 400, not the URIError that decodeURIComponent throws (a 500).
 */
export function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new EveraiError('EVERAI_BAD_REQUEST', `the path segment '${segment}' has a malformed percent-escape`);
  }
}
