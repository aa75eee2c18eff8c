import { sendJson } from '../http/respond';
import type { Router } from '../http/router';
import type { MetricHistory } from '../metrics/metric-history';
import type { ApiDeps } from './api';

/**
 * `GET .../apps/NAME/metrics`: the app's last hour of samples (docs/console.md), oldest first,
 * and how many seconds apart they are. The owner's only, like the app itself.
 */
export function registerAppMetricRoutes(router: Router, deps: Pick<ApiDeps, 'auth' | 'apps'> & { history: MetricHistory }): void {
  const { auth, apps, history } = deps;
  router.on('GET', '/api/apps/v1/namespaces/:ns/apps/:name/metrics', async (req, res, { ns = '', name = '' }) => {
    const user = await auth.require(req);
    const app = await apps.find(user, ns, name);
    sendJson(res, 200, { intervalSeconds: history.intervalMs / 1000, samples: history.of(app.id) });
  });
}
