import type * as AppDefinition from './app-definition';

export const DEFAULT_NAMESPACE = 'default';

/** `-n NS` on the commands about one app; left out, the manifest's `metadata.namespace`, else `default`. */
export const NS_OPTION = ['-n, --namespace <ns>', "namespace (default: app.yaml's metadata.namespace, else default)"] as const;

export interface AppTarget {
  namespace: string;
  name: string;
}

/** The app a command is about: NAME when given, else the app defined in the current directory (app.ts, else app.yaml). */
export async function appTarget(name: string | undefined, namespace: string | undefined): Promise<AppTarget> {
  if (name) return { namespace: namespace ?? DEFAULT_NAMESPACE, name };
  // Loaded only here: it loads the SDK (or reads a manifest), which a command given NAME never needs.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const definition = await (require('./app-definition') as typeof AppDefinition).loadAppDefinition(process.cwd());
  return { namespace: namespace ?? definition.namespace ?? DEFAULT_NAMESPACE, name: definition.name };
}

export function appPath({ namespace, name }: AppTarget, suffix = ''): string {
  return `/api/apps/v1/namespaces/${encodeURIComponent(namespace)}/apps/${encodeURIComponent(name)}${suffix}`;
}
