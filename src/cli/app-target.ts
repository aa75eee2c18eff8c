import { loadAppFromDir } from '../sdk/loader/load-app';

export const DEFAULT_NAMESPACE = 'default';

export interface AppTarget {
  namespace: string;
  name: string;
}

/** The app a command is about: NAME when given, else the app defined in the current directory. */
export async function appTarget(name: string | undefined, namespace: string | undefined): Promise<AppTarget> {
  const ns = namespace ?? DEFAULT_NAMESPACE;
  if (name) return { namespace: ns, name };
  const { app } = await loadAppFromDir(process.cwd());
  return { namespace: ns, name: app.toSpec().name };
}

export function appPath({ namespace, name }: AppTarget, suffix = ''): string {
  return `/api/apps/v1/namespaces/${encodeURIComponent(namespace)}/apps/${encodeURIComponent(name)}${suffix}`;
}
