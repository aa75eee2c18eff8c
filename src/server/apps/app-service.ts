import { EveraiError } from '../../contract/errors';
import { newId } from '../../contract/ids';
import { nowIso } from '../../contract/time';
import type { ResourceRequestsDocument } from '../../contract/app-spec';
import type { Controller } from '../controller/controller';
import type { AppRecord, RevisionSpec, UserRecord } from '../store/records';
import type { AppRequest } from './app-request';
import { describeSpec, RevisionPinner, sameSpec, type RevisionPinnerDeps } from './revision-pinner';
import { initialWorkers, workersAfterUpdate } from './scaling-request';
import { repinProgram } from './program-pins';
import { routeNameCandidates } from './route-name';
import { failedLike, readHistory, rollbackTarget, servingLike, stableBefore, type RevisionHistory } from './revision-history';

export interface AppServiceDeps extends RevisionPinnerDeps {
  controller: Controller;
}

/** What to re-resolve on an upgrade; the rest stays as the current revision pins it. */
export interface UpgradeRequest {
  image?: string | undefined;
  volumeRequests?: string[] | undefined;
  resourceRequests?: ResourceRequestsDocument | undefined;
}

/**
 * What users ask of apps, as changes to desired state in the store. The controller does the rest:
 * every method here ends by waking it, and none of them touches a worker itself.
 */
export class AppService {
  private readonly pins: RevisionPinner;

  constructor(private readonly deps: AppServiceDeps) {
    this.pins = new RevisionPinner(deps);
  }

  /** A pull the other registry refused is worth an event on the app: nothing changed, and this says why. */
  private async noteRegistryFailure<T>(app: AppRecord, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof EveraiError && error.code === 'EVERAI_REGISTRY_FAILED') {
        await this.deps.store.events.add(app.id, 'WARNING', 'ImagePuller', `Image pull failed, nothing changed: ${error.message}`);
      }
      throw error;
    }
  }

  /** The app, if the user may see it; another user's app is as if it did not exist. */
  async find(user: UserRecord, namespace: string, name: string): Promise<AppRecord> {
    const app = await this.deps.store.apps.byName(user.id, namespace, name);
    if (!app) {
      throw new EveraiError('EVERAI_NOT_FOUND', `app '${name}' not found in namespace '${namespace}'`);
    }
    return app;
  }

  async create(user: UserRecord, namespace: string, request: AppRequest): Promise<AppRecord> {
    const { store } = this.deps;
    const { spec } = request;
    if (!(await store.namespaces.get(user.id, namespace))) {
      throw new EveraiError('EVERAI_NOT_FOUND', `namespace '${namespace}' not found: create it with \`everai namespace create ${namespace}\``);
    }
    if (await store.apps.byName(user.id, namespace, spec.name)) {
      throw new EveraiError('EVERAI_CONFLICT', `app '${spec.name}' already exists in namespace '${namespace}'`);
    }
    const revisionSpec = await this.pins.spec(user, spec, request.appFile);
    const now = nowIso();
    const app: AppRecord = {
      id: newId(),
      name: spec.name,
      namespace,
      ownerId: user.id,
      routeName: await this.freeRouteName(routeNameCandidates(spec.name, namespace, user.name)),
      targetRevision: 1,
      desiredWorkers: initialWorkers(spec.autoscaler),
      autoscaler: spec.autoscaler,
      queueTimeoutMs: spec.queueTimeoutSeconds === undefined ? null : spec.queueTimeoutSeconds * 1000,
      concurrency: spec.concurrency,
      routeAuth: spec.routeAuth,
      readyTimeoutMs: spec.readyTimeoutSeconds * 1000,
      maxDrainMs: spec.maxDrainSeconds * 1000,
      stableRevision: 0,
      manualScaleAt: null,
      paused: false,
      status: 'PREPARING',
      statusReason: '',
      createdAt: now,
      updatedAt: now,
    };
    await store.transaction(async (tx) => {
      await tx.apps.create(app);
      await tx.apps.addRevision({ appId: app.id, revision: 1, spec: revisionSpec, createdAt: now });
      await tx.events.add(app.id, 'NORMAL', 'AppServer', `App created with revision 1 (${describeSpec(revisionSpec)})`);
    });
    this.deps.controller.wake();
    return app;
  }

  /** The first free of `candidates` (route names are one space across all users), else the last with a random suffix. */
  private async freeRouteName(candidates: string[]): Promise<string> {
    for (const candidate of candidates) {
      if (!(await this.deps.store.apps.byRouteName(candidate))) return candidate;
    }
    return `${candidates.at(-1) ?? 'app'}-${newId().slice(0, 6).toLowerCase()}`;
  }

  /**
   * Applies a whole new definition: app-level settings (concurrency, route auth) change at once
   * without a restart; a changed image, or a newer version of a requested secret or configmap,
   * means a new revision and a rollout.
   */
  async update(user: UserRecord, namespace: string, name: string, request: AppRequest, force = false): Promise<AppRecord> {
    const app = await this.find(user, namespace, name);
    if (request.spec.name !== name) {
      throw new EveraiError('EVERAI_BAD_REQUEST', `the definition names app '${request.spec.name}', not '${name}'`);
    }
    // Resolved first, so that something missing changes nothing.
    const spec = await this.noteRegistryFailure(app, () => this.pins.spec(user, request.spec, request.appFile));
    await this.deps.store.apps.update(app.id, {
      concurrency: request.spec.concurrency,
      routeAuth: request.spec.routeAuth,
      readyTimeoutMs: request.spec.readyTimeoutSeconds * 1000,
      maxDrainMs: request.spec.maxDrainSeconds * 1000,
      // Scaling is app-level: it changes at once, with no new revision (docs/autoscaling.md).
      autoscaler: request.spec.autoscaler,
      desiredWorkers: workersAfterUpdate(app.autoscaler, request.spec.autoscaler, app.desiredWorkers),
      queueTimeoutMs: request.spec.queueTimeoutSeconds === undefined ? null : request.spec.queueTimeoutSeconds * 1000,
    });
    const updated = await this.rollTo(app, spec, 'update', force);
    // The app-level settings are in effect once this answers: the pass it woke has given them to
    // the data plane (HAProxy loads a new queue timeout with a reload).
    await this.deps.controller.settled();
    return updated;
  }

  /**
   * `app upgrade --image` / `--volume-requests` / `--resource-requests`: re-resolves the image,
   * every requested volume and/or the resources; rolls out only if what a worker runs changed.
   */
  async upgrade(user: UserRecord, namespace: string, name: string, request: UpgradeRequest, force = false): Promise<AppRecord> {
    const app = await this.find(user, namespace, name);
    const { spec: current } = await this.currentRevision(app);
    // What was not asked for stays pinned as it is.
    const image = request.image;
    const pinned = image === undefined ? undefined : await this.noteRegistryFailure(app, () => this.pins.image(user, image, current.imagePull));
    const next: RevisionSpec = {
      ...current,
      ...(image !== undefined && pinned
        ? { imageRef: image, imageRepository: pinned.repository, imageDigest: pinned.digest, program: repinProgram(current.program, pinned) }
        : {}),
      volumes: request.volumeRequests !== undefined ? await this.pins.volumes(user, request.volumeRequests) : current.volumes,
      resources: request.resourceRequests !== undefined ? this.pins.resources(request.resourceRequests) : current.resources,
    };
    return this.rollTo(app, next, 'upgrade', force);
  }

  private async currentRevision(app: AppRecord) {
    const revision = await this.deps.store.apps.revision(app.id, app.targetRevision);
    if (!revision) throw new Error(`app ${app.id} lacks its revision ${app.targetRevision}`);
    return revision;
  }

  /**
   * `app rollback [--to N]`: back to what revision N pinned (default: the revision that served
   * before the last rollout, docs/rollout.md), through the same hot path as an upgrade.
   */
  async rollback(user: UserRecord, namespace: string, name: string, to: number | undefined, force = false): Promise<AppRecord> {
    const app = await this.find(user, namespace, name);
    const history = await readHistory(this.deps.store, app.id);
    const wanted = to ?? rollbackTarget(app, history);
    const source = history.revisions.find((r) => r.revision === wanted);
    if (!source) {
      throw new EveraiError(
        'EVERAI_NOT_FOUND',
        to === undefined ? `app '${name}' has no revision before ${app.targetRevision} to roll back to` : `app '${name}' has no revision ${to}`,
      );
    }
    return this.rollTo(app, source.spec, `rollback to revision ${source.revision}`, force);
  }

  async revisions(user: UserRecord, namespace: string, name: string): Promise<{ app: AppRecord; history: RevisionHistory }> {
    const app = await this.find(user, namespace, name);
    return { app, history: await readHistory(this.deps.store, app.id) };
  }

  /**
   * Makes what `spec` pins the app's target (docs/rollout.md): what the target pins already
   * restarts nothing, and ends a halted rollout's failure; what an older revision that still
   * serves pins makes it the target again; what a failed revision ran is refused without `force`;
   * anything else is a new revision, rolled out.
   */
  private async rollTo(app: AppRecord, spec: RevisionSpec, why: string, force: boolean): Promise<AppRecord> {
    const { store } = this.deps;
    const history = await readHistory(store, app.id);
    const current = await this.currentRevision(app);
    const serving = servingLike(history, app, spec);
    const failed = failedLike(history, spec);
    if (sameSpec(spec, current.spec) && !history.failures.has(app.targetRevision)) {
      if (app.status === 'FAILED') await this.endFailure(app, history, why);
    } else if (serving) {
      await this.retarget(app, serving.revision, why);
    } else if (failed && !force) {
      throw new EveraiError(
        'EVERAI_CONFLICT',
        `app '${app.name}' would run exactly what its revision ${failed.revision} ran (${describeSpec(failed.spec)}), and that failed: ${history.failures.get(failed.revision) ?? ''}; pass --force to roll it out again anyway`,
      );
    } else {
      await this.rollOut(app, history, spec, why);
    }
    this.deps.controller.wake();
    return (await store.apps.get(app.id)) as AppRecord;
  }

  /** A halted rollout went back to the target, which serves: asking for it again ends the failure. */
  private async endFailure(app: AppRecord, history: RevisionHistory, why: string): Promise<void> {
    const failed = Math.max(0, ...history.failures.keys());
    await this.deps.store.transaction(async (tx) => {
      await tx.apps.update(app.id, { status: 'PREPARING', statusReason: '' });
      await tx.events.add(app.id, 'NORMAL', 'AppServer', `Failure of revision ${failed} cleared by ${why}: revision ${app.targetRevision} serves on`);
    });
  }

  /** Back to a revision whose workers still serve: the rollout under way is called off, and nothing new starts. */
  private async retarget(app: AppRecord, revision: number, why: string): Promise<void> {
    await this.deps.store.transaction(async (tx) => {
      await tx.apps.update(app.id, { targetRevision: revision, status: 'PREPARING', statusReason: '' });
      await tx.events.add(app.id, 'NORMAL', 'AppServer', `Rollout of revision ${app.targetRevision} called off by ${why}: revision ${revision}, which still serves, is the target again`);
    });
  }

  private async rollOut(app: AppRecord, history: RevisionHistory, spec: RevisionSpec, why: string): Promise<void> {
    const next = Math.max(...history.revisions.map((r) => r.revision)) + 1;
    await this.deps.store.transaction(async (tx) => {
      await tx.apps.addRevision({ appId: app.id, revision: next, spec, createdAt: nowIso() });
      await tx.apps.update(app.id, { targetRevision: next, stableRevision: stableBefore(app, history), status: 'PREPARING', statusReason: '' });
      await tx.events.add(app.id, 'NORMAL', 'AppServer', `Rollout of revision ${next} started by ${why} (${describeSpec(spec)})`);
    });
  }

  async setPaused(user: UserRecord, namespace: string, name: string, paused: boolean): Promise<AppRecord> {
    const app = await this.find(user, namespace, name);
    if (app.paused !== paused) {
      await this.deps.store.apps.update(app.id, { paused, status: paused ? app.status : 'PREPARING', statusReason: '' });
      await this.deps.store.events.add(app.id, 'NORMAL', 'AppServer', paused ? 'App pause requested' : 'App resumed');
      this.deps.controller.wake();
    }
    return (await this.deps.store.apps.get(app.id)) as AppRecord;
  }

  async delete(user: UserRecord, namespace: string, name: string): Promise<void> {
    await this.retire(await this.find(user, namespace, name));
  }

  /** Every app of the user drains and goes (a user being deleted). */
  async retireAll(owner: UserRecord): Promise<void> {
    await Promise.all((await this.deps.store.apps.list({ ownerId: owner.id })).map((app) => this.retire(app)));
  }

  private async retire(app: AppRecord): Promise<void> {
    await this.deps.store.apps.update(app.id, { paused: true });
    await this.deps.store.events.add(app.id, 'NORMAL', 'AppServer', 'App deletion requested: its workers drain');
    await this.deps.controller.retireApp(app.id);
    await this.deps.store.apps.delete(app.id);
  }
}
