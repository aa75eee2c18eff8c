import { decodeSegment } from '../../http/decode-segment';

/** Where a gateway request goes: the two route forms (README.md, "Commands"). */
export type RouteTarget =
  | { kind: 'namespaced'; namespace: string; app: string; path: string }
  | { kind: 'routeName'; routeName: string; path: string };

const NAMESPACED = /^\/api\/routes\/v1\/([^/]+)\/([^/]+)(\/.*)?$/;
const BY_ROUTE_NAME = /^\/api\/apps\/v1\/routes\/([^/]+)(\/.*)?$/;

export function isGatewayPath(pathname: string): boolean {
  return pathname.startsWith('/api/routes/v1/') || pathname.startsWith('/api/apps/v1/routes/');
}

export function parseRoutePath(pathname: string): RouteTarget | undefined {
  const namespaced = NAMESPACED.exec(pathname);
  if (namespaced) {
    return {
      kind: 'namespaced',
      namespace: decodeSegment(namespaced[1] as string),
      app: decodeSegment(namespaced[2] as string),
      path: namespaced[3] ?? '/',
    };
  }
  const byName = BY_ROUTE_NAME.exec(pathname);
  if (byName) return { kind: 'routeName', routeName: decodeSegment(byName[1] as string), path: byName[2] ?? '/' };
  return undefined;
}
