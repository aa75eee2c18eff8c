import { z } from 'zod';
import { machineResourcesSchema } from '../../contract/api-view-schemas';
import { scaleDownRequestSchema, scaleUpRequestSchema } from '../apps/worker-scaling';
import type { ApiDeps, ApiRouter } from './api';

const WORKERS = '/api/apps/v1/namespaces/:ns/apps/:name/workers';
const workerIdsAnswer = z.object({ workerIds: z.array(z.string()) });

/**
 * Manual scaling (docs/autoscaling.md, "Manual scaling") in the reference API's shape:
 * `POST .../apps/NAME/workers:scale-up` `{"scaleUpWorkersNum": N}` → `{"workerIds": [...]}`;
 * `:scale-down` `{"workerIds": [...]}` or `{"scaleDownWorkersNum": N}` → `{"workerIds": [...]}`
 * (the reference answers `{}`; the ids it adds tell a caller that gave only a number which
 * workers drain). And `GET /api/v1/resources`.
 */
export function registerScalingRoutes(router: ApiRouter, deps: ApiDeps): void {
  const { scaling, machine } = deps;

  router.on(
    { method: 'POST', path: `${WORKERS}:scale-up`, tag: 'apps', summary: 'Start more workers', body: scaleUpRequestSchema, responses: { 200: workerIdsAnswer } },
    async ({ user, params: { ns = '', name = '' }, body, reply }) => {
      const { scaleUpWorkersNum } = await body();
      reply(200, { workerIds: await scaling.scaleUp(user, ns, name, scaleUpWorkersNum) });
    },
  );

  router.on(
    {
      method: 'POST',
      path: `${WORKERS}:scale-down`,
      tag: 'apps',
      summary: 'Drain and stop workers, named or counted',
      body: scaleDownRequestSchema,
      responses: { 200: workerIdsAnswer },
    },
    async ({ user, params: { ns = '', name = '' }, body, reply }) => {
      reply(200, { workerIds: await scaling.scaleDown(user, ns, name, await body()) });
    },
  );

  router.on(
    {
      method: 'GET',
      path: '/api/v1/resources',
      tag: 'platform',
      summary: 'What this machine offers workers',
      responses: { 200: z.object({ resources: machineResourcesSchema }) },
    },
    ({ reply }) => reply(200, { resources: machine }),
  );
}
