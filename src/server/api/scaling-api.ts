import { EveraiError } from '../../contract/errors';
import { parseBody } from '../apps/app-request';
import { scaleDownRequestSchema, scaleUpRequestSchema } from '../apps/worker-scaling';
import { readJson } from '../http/body';
import { sendJson } from '../http/respond';
import type { Router } from '../http/router';
import type { ApiDeps } from './api';

/**
 * Manual scaling (docs/autoscaling.md, "Manual scaling") in the reference API's shape:
 * `POST .../apps/NAME/workers:scale-up` `{"scaleUpWorkersNum": N}` → `{"workerIds": [...]}`;
 * `:scale-down` `{"workerIds": [...]}` or `{"scaleDownWorkersNum": N}` → `{"workerIds": [...]}`
 * (the reference answers `{}`; the ids it adds tell a caller that gave only a number which
 * workers drain). And `GET /api/v1/resources`.
 */
export function registerScalingRoutes(router: Router, deps: ApiDeps): void {
  const { auth, scaling, machine } = deps;

  router.on('POST', '/api/apps/v1/namespaces/:ns/apps/:name/:action', async (req, res, { ns = '', name = '', action = '' }) => {
    const user = await auth.require(req);
    const body = await readJson(req);
    if (action === 'workers:scale-up') {
      const { scaleUpWorkersNum } = parseBody(scaleUpRequestSchema, body);
      sendJson(res, 200, { workerIds: await scaling.scaleUp(user, ns, name, scaleUpWorkersNum) });
    } else if (action === 'workers:scale-down') {
      sendJson(res, 200, { workerIds: await scaling.scaleDown(user, ns, name, parseBody(scaleDownRequestSchema, body)) });
    } else {
      throw new EveraiError('EVERAI_NOT_FOUND', `no app action '${action}': use workers:scale-up or workers:scale-down`);
    }
  });

  router.on('GET', '/api/v1/resources', async (req, res) => {
    await auth.require(req);
    sendJson(res, 200, { resources: machine });
  });
}
