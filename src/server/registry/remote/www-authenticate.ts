/**
 * A `WWW-Authenticate` challenge (RFC 9110 §11.6.1): its scheme and auth-params. Registries send
 * `Basic realm="..."` (htpasswd) or `Bearer realm="...",service="...",scope="..."` (the token flow
 * of the distribution spec, "Token Authentication Specification").
 */
export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

const PARAM = /([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/g;

/** The first challenge of the header; registries send one. */
export function parseChallenge(header: string | undefined): Challenge | undefined {
  const match = header === undefined ? null : /^\s*([A-Za-z][A-Za-z0-9_-]*)\s*(.*)$/.exec(header);
  if (!match?.[1]) return undefined;
  const params: Record<string, string> = {};
  for (const param of (match[2] ?? '').matchAll(PARAM)) {
    const [, name, quoted, token] = param;
    if (name) params[name.toLowerCase()] = quoted !== undefined ? quoted.replace(/\\(.)/g, '$1') : (token ?? '');
  }
  return { scheme: match[1].toLowerCase(), params };
}
