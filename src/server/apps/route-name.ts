import { DEFAULT_NAMESPACE } from '../namespaces/namespace-service';

/**
 * The route names an app may get, best first (docs/tenancy.md, "Routes"). Route names
 * (`/api/apps/v1/routes/NAME`) are one space across all users, so each names exactly one app,
 * whoever calls: the app's name while it is free, else the name qualified by what sets the app
 * apart, its namespace (`get-start-dev`; `default` goes without saying) and then its owner
 * (`get-start-bob`, `get-start-dev-bob`).
 */
export function routeNameCandidates(app: string, namespace: string, owner: string): string[] {
  const inNamespace = namespace === DEFAULT_NAMESPACE ? app : `${app}-${namespace}`;
  return [...new Set([app, inNamespace, `${inNamespace}-${owner}`])];
}
