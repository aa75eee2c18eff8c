import type { WorkerView } from '../src/contract/api-views';
import type { TestPlatform } from '../test/helpers/platform';

/**
 * The worker list and manual scaling APIs, called with fetch: each `everai` CLI call starts a Node
 * process, too slow to poll a worker start that takes a few hundred milliseconds.
 */

async function appApi<T>(platform: TestPlatform, app: string, suffix: string, body?: unknown): Promise<T> {
  const res = await fetch(`${platform.url}/api/apps/v1/namespaces/default/apps/${app}${suffix}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${platform.token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${app}${suffix} answered ${res.status}: ${text}`);
  return JSON.parse(text) as T;
}

/** Live workers (as `everai worker list NAME -o json`: none that ended). */
export async function liveWorkers(platform: TestPlatform, app: string): Promise<WorkerView[]> {
  return (await appApi<{ workers: WorkerView[] }>(platform, app, '/workers')).workers;
}

/** Starts one more worker; its id. */
export async function scaleUpOne(platform: TestPlatform, app: string): Promise<string> {
  const { workerIds } = await appApi<{ workerIds: string[] }>(platform, app, '/workers:scale-up', { scaleUpWorkersNum: 1 });
  const [id] = workerIds;
  if (id === undefined) throw new Error(`scale-up of ${app} started no worker`);
  return id;
}

/** Drains these workers. */
export async function scaleDown(platform: TestPlatform, app: string, workerIds: string[]): Promise<void> {
  await appApi(platform, app, '/workers:scale-down', { workerIds });
}
