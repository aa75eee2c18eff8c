import type { Route } from '../service';

export type RouteMatch =
  | { kind: 'found'; route: Route; params: Record<string, string> }
  /** The path exists, but not for this method: a 405 with these in `Allow`. */
  | { kind: 'method-not-allowed'; allowed: string[] }
  | { kind: 'not-found' };

/** The first route, in definition order, whose path and method fit. */
export function matchRoute(routes: readonly Route[], method: string, path: string): RouteMatch {
  const allowed = new Set<string>();
  for (const route of routes) {
    const params = route.path.match(path);
    if (!params) continue;
    if (route.methods.includes(method)) return { kind: 'found', route, params };
    for (const m of route.methods) allowed.add(m);
  }
  return allowed.size > 0 ? { kind: 'method-not-allowed', allowed: [...allowed] } : { kind: 'not-found' };
}
