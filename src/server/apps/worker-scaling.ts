import { z } from 'zod';
import { EveraiError } from '../../contract/errors';
import { rollingOut } from '../controller/autoscaler/gather-factors';
import { scaleDownWorkers, scaleUpTo } from '../controller/autoscaler/scale-changes';
import type { Controller } from '../controller/controller';
import { isTerminal, type AppRecord, type UserRecord, type WorkerRecord } from '../store/records';
import type { Store } from '../store/store';
import type { AppService } from './app-service';

/** The reference API sends counts as strings (`"scaleUpWorkersNum": "2"`); numbers are taken too. */
const count = z
  .union([z.number(), z.string().regex(/^\d+$/, 'must be a whole number').transform(Number)])
  .pipe(z.number().int().min(1, 'must be at least 1').max(100, 'must be at most 100'));

export const scaleUpRequestSchema = z.object({ scaleUpWorkersNum: count.default(1) });

export const scaleDownRequestSchema = z
  .object({ scaleDownWorkersNum: count.optional(), workerIds: z.array(z.string().min(1)).min(1).max(100).optional() })
  .refine((body) => body.workerIds !== undefined || body.scaleDownWorkersNum !== undefined, {
    message: 'name the workers to remove (workerIds) or how many (scaleDownWorkersNum)',
  });

/** Without ids, a scale-down takes ready idle workers first, then starting ones, then busy ones; newest first in each. */
function byScaleDownPreference(workers: readonly WorkerRecord[], inflight: (id: string) => number): WorkerRecord[] {
  const rank = (w: WorkerRecord) => (w.phase !== 'READY' ? 1 : inflight(w.id) === 0 ? 0 : 2);
  return [...workers].reverse().sort((a, b) => rank(a) - rank(b));
}

/**
 * `POST .../apps/NAME/workers:scale-up` and `:scale-down` (docs/autoscaling.md, "Manual scaling"). Under
 * Manual scaling (or none) they change the app's worker count; under a builtin autoscaler they
 * are a temporary change the autoscaler may undo (idle workers go, the floor of minWorkers comes back).
 */
export class WorkerScaling {
  constructor(
    private readonly deps: { store: Store; apps: AppService; controller: Controller; inflight: (appId: string, workerId: string) => number },
  ) {}

  /** The app, its active workers (live, not leaving), refused while paused or rolling out. */
  private async scalable(app: AppRecord): Promise<{ current: AppRecord; active: WorkerRecord[] }> {
    const current = await this.deps.store.apps.get(app.id);
    if (!current) throw new EveraiError('EVERAI_NOT_FOUND', `app '${app.name}' was deleted`);
    if (current.paused) throw new EveraiError('EVERAI_CONFLICT', `app '${app.name}' is paused: resume it before scaling`);
    const live = (await this.deps.store.workers.listByApp(app.id)).filter((w) => !isTerminal(w.status));
    if (rollingOut(current, live)) {
      throw new EveraiError('EVERAI_CONFLICT', `app '${app.name}' is rolling out revision ${current.targetRevision}: scale it once it is DEPLOYED`);
    }
    return { current, active: live.filter((w) => w.phase !== 'REMOVE' && w.status !== 'TERMINATING') };
  }

  /** Starts `count` more workers; resolves with their ids once they exist (they are starting). */
  async scaleUp(user: UserRecord, namespace: string, name: string, count: number): Promise<string[]> {
    const app = await this.deps.apps.find(user, namespace, name);
    const before = new Set<string>();
    await this.deps.controller.apply(async () => {
      const { current } = await this.scalable(app);
      for (const w of await this.deps.store.workers.listByApp(app.id)) before.add(w.id);
      const from = current.desiredWorkers;
      await scaleUpTo(this.deps.store, current, from, from + count, `${count} asked for by ${user.name}`, 'API');
    });
    await this.deps.controller.settled();
    return (await this.deps.store.workers.listByApp(app.id)).filter((w) => !before.has(w.id)).map((w) => w.id);
  }

  /**
   * Drains the named workers (or `count` chosen ones) like an upgrade does, and lowers the count
   * with them; resolves once they take no new request.
   */
  async scaleDown(user: UserRecord, namespace: string, name: string, request: { workerIds?: string[] | undefined; scaleDownWorkersNum?: number | undefined }): Promise<string[]> {
    const app = await this.deps.apps.find(user, namespace, name);
    const draining = await this.deps.controller.apply(async () => {
      const { current, active } = await this.scalable(app);
      let chosen: string[];
      if (request.workerIds) {
        chosen = [...new Set(request.workerIds)];
        const unknown = chosen.find((id) => !active.some((w) => w.id === id));
        if (unknown) throw new EveraiError('EVERAI_NOT_FOUND', `worker '${unknown}' is not a running worker of app '${app.name}'`);
      } else {
        const wanted = Math.min(request.scaleDownWorkersNum ?? 0, active.length);
        chosen = byScaleDownPreference(active, (id) => this.deps.inflight(app.id, id)).slice(0, wanted).map((w) => w.id);
      }
      if (chosen.length > 0) {
        await scaleDownWorkers(this.deps.store, current, current.desiredWorkers, chosen, `asked for by ${user.name}`, 'API');
      }
      return chosen;
    });
    await this.deps.controller.drainsBegun(draining);
    return draining;
  }
}
