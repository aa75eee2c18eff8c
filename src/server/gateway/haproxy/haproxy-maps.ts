import type { AppRecord, UserRecord } from '../../store/records';
import { appLabel } from '../../metrics/metrics';
import { backendName } from './haproxy-config';

/** An app's route keys (the fields of its paths `ROUTE_KEY_FIELDS` names in haproxy-config.ts), in either route form. */
const namespaceKey = (app: AppRecord): string => `routes/v1/${appLabel(app)}`;
const routeNameKey = (app: AppRecord): string => `apps/v1/routes/${app.routeName}`;

/**
 * The routes map: route key (`ROUTE_KEY_FIELDS`) → `backend|owner|app|route`, where owner is the
 * owner's id, or `*` for a public app, and the app (`namespace/name`) and route name are what its
 * access lines name.
 * Only an app HAProxy may serve alone is in it: not paused, with a worker taking requests, and the
 * only app of its `namespace/name` (one app per owner may share it: the Node gateway picks).
 */
export function routeEntries(apps: readonly AppRecord[], routable: (appId: string) => boolean): Map<string, string> {
  const byLabel = new Map<string, number>();
  for (const app of apps) byLabel.set(appLabel(app), (byLabel.get(appLabel(app)) ?? 0) + 1);
  const entries = new Map<string, string>();
  for (const app of apps) {
    if (app.paused || !routable(app.id)) continue;
    const value = `${backendName(app.id)}|${app.routeAuth === 'public' ? '*' : app.ownerId}|${appLabel(app)}|${app.routeName}`;
    if (byLabel.get(appLabel(app)) === 1) entries.set(namespaceKey(app), value);
    entries.set(routeNameKey(app), value);
  }
  return entries;
}

/** The tokens map: a token's sha256 (hex, as the store keeps it) → `userId|userName`. */
export function tokenEntries(users: readonly UserRecord[]): Map<string, string> {
  return new Map(users.map((u) => [u.tokenHash, `${u.id}|${u.name}`]));
}

/** A map file's text: one `key value` a line. */
export function mapFileText(entries: ReadonlyMap<string, string>): string {
  return [...entries].map(([key, value]) => `${key} ${value}\n`).join('');
}
