import { invalid } from './option-checks';

/** A route path such as `/sse` or `/items/{id}`, compiled once for matching. */
export interface RoutePath {
  readonly template: string;
  /** Matches a request path; gives the `{name}` segments, decoded, or null. */
  match(path: string): Record<string, string> | null;
}

const PARAM = /^\{([A-Za-z_]\w*)\}$/;
/** RFC 3986 pchar, less what a template gives meaning to. */
const LITERAL_SEGMENT = /^[A-Za-z0-9._~!$&'()*+,;=:@%-]*$/;

export function compileRoutePath(template: string): RoutePath {
  if (typeof template !== 'string' || !template.startsWith('/')) {
    throw invalid(`route path '${String(template)}' must start with '/'`);
  }
  const names: string[] = [];
  const pattern = template
    .split('/')
    .map((segment) => {
      const param = PARAM.exec(segment)?.[1];
      if (param !== undefined) {
        if (names.includes(param)) throw invalid(`route path '${template}' names '{${param}}' twice`);
        names.push(param);
        return '([^/]+)';
      }
      if (!LITERAL_SEGMENT.test(segment)) throw invalid(`route path '${template}' has an invalid segment '${segment}'`);
      return segment.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
    })
    .join('/');
  const regex = new RegExp(`^${pattern}$`);
  return {
    template,
    match(path) {
      const found = regex.exec(path);
      if (!found) return null;
      const params: Record<string, string> = {};
      names.forEach((name, i) => {
        params[name] = decodeSegment(found[i + 1] ?? '');
      });
      return params;
    },
  };
}

/** A malformed escape (`%zz`) stays as sent rather than failing the request. */
function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
