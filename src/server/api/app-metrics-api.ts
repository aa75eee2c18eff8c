import { metricHistoryViewSchema } from '../../contract/api-view-schemas';
import type { MetricHistory } from '../metrics/metric-history';
import type { ApiDeps, ApiRouter } from './api';

/**
 * `GET .../apps/NAME/metrics`: the app's last hour of samples (docs/console.md), oldest first,
 * and how many seconds apart they are. The owner's only, like the app itself.
 */
export function registerAppMetricRoutes(router: ApiRouter, deps: Pick<ApiDeps, 'apps'> & { history: MetricHistory }): void {
  const { apps, history } = deps;
  router.on(
    {
      method: 'GET',
      path: '/api/apps/v1/namespaces/:ns/apps/:name/metrics',
      tag: 'apps',
      summary: "An app's last hour of request rate, latency, queue length and workers",
      responses: { 200: metricHistoryViewSchema },
    },
    async ({ user, reply, params: { ns = '', name = '' } }) => {
      const app = await apps.find(user, ns, name);
      reply(200, { intervalSeconds: history.intervalMs / 1000, samples: history.of(app.id) });
    },
  );
}
