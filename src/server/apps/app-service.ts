import { EveraiError } from '../../common/errors';
import { newId } from '../../common/ids';
import { nowIso } from '../../common/time';
import type { BlobStore } from '../blobs/blob-store';
import type { Controller } from '../controller/controller';
import { resolveImage } from '../registry/image-resolver';
import type { AppRecord, RevisionSpec, UserRecord } from '../store/records';
import type { Store } from '../store/store';
import type { AppRequest } from './app-request';

export interface AppServiceDeps {
  store: Store;
  blobs: BlobStore;
  controller: Controller;
}

function sameSpec(a: RevisionSpec, b: RevisionSpec): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * What users ask of apps, as changes to desired state in the store. The controller does the rest:
 * every method here ends by waking it, and none of them touches a worker itself.
 */
export class AppService {
  constructor(private readonly deps: AppServiceDeps) {}

  /** The app, if the user may see it; another user's app is as if it did not exist. */
  async find(user: UserRecord, namespace: string, name: string): Promise<AppRecord> {
    const app = await this.deps.store.apps.byName(namespace, name);
    if (!app || (!user.isAdmin && app.ownerId !== user.id)) {
      throw new EveraiError('EVERAI_NOT_FOUND', `app '${name}' not found in namespace '${namespace}'`);
    }
    return app;
  }

  private async revisionSpec(user: UserRecord, imageRef: string, appFile: string): Promise<RevisionSpec> {
    const image = await resolveImage({ ...this.deps, user }, imageRef);
    return { imageRef, imageRepository: image.repository, imageDigest: image.digest, appFile, env: {} };
  }

  async create(user: UserRecord, namespace: string, request: AppRequest): Promise<AppRecord> {
    const { store } = this.deps;
    const { spec } = request;
    if (await store.apps.byName(namespace, spec.name)) {
      throw new EveraiError('EVERAI_CONFLICT', `app '${spec.name}' already exists in namespace '${namespace}'`);
    }
    const revisionSpec = await this.revisionSpec(user, spec.image, request.appFile);
    const now = nowIso();
    const taken = await store.apps.byRouteName(spec.name);
    const app: AppRecord = {
      id: newId(),
      name: spec.name,
      namespace,
      ownerId: user.id,
      routeName: taken ? `${spec.name}-${namespace}` : spec.name,
      targetRevision: 1,
      desiredWorkers: 1,
      concurrency: spec.concurrency,
      routeAuth: spec.routeAuth,
      paused: false,
      status: 'PREPARING',
      statusReason: '',
      createdAt: now,
      updatedAt: now,
    };
    await store.transaction(async () => {
      await store.apps.create(app);
      await store.apps.addRevision({ appId: app.id, revision: 1, spec: revisionSpec, createdAt: now });
      await store.events.add(app.id, 'NORMAL', 'AppServer', `App created with revision 1 (image ${spec.image} = ${revisionSpec.imageDigest})`);
    });
    this.deps.controller.wake();
    return app;
  }

  /**
   * Applies a whole new definition: app-level settings (concurrency, route auth) change at once
   * without a restart; a changed image means a new revision and a rollout.
   */
  async update(user: UserRecord, namespace: string, name: string, request: AppRequest): Promise<AppRecord> {
    const app = await this.find(user, namespace, name);
    if (request.spec.name !== name) {
      throw new EveraiError('EVERAI_BAD_REQUEST', `the definition names app '${request.spec.name}', not '${name}'`);
    }
    await this.deps.store.apps.update(app.id, { concurrency: request.spec.concurrency, routeAuth: request.spec.routeAuth });
    return this.rollTo(user, app, request.spec.image, request.appFile);
  }

  /** `app upgrade --image`: re-resolves the image; rolls out only if the digest changed. */
  async upgradeImage(user: UserRecord, namespace: string, name: string, imageRef: string | undefined): Promise<AppRecord> {
    const app = await this.find(user, namespace, name);
    const current = await this.currentRevision(app);
    return this.rollTo(user, app, imageRef ?? current.spec.imageRef, current.spec.appFile);
  }

  private async currentRevision(app: AppRecord) {
    const revision = await this.deps.store.apps.revision(app.id, app.targetRevision);
    if (!revision) throw new Error(`app ${app.id} lacks its revision ${app.targetRevision}`);
    return revision;
  }

  private async rollTo(user: UserRecord, app: AppRecord, imageRef: string, appFile: string): Promise<AppRecord> {
    const { store } = this.deps;
    const current = await this.currentRevision(app);
    const spec = await this.revisionSpec(user, imageRef, appFile);
    if (sameSpec(spec, current.spec)) {
      this.deps.controller.wake();
      return (await store.apps.get(app.id)) as AppRecord;
    }
    const revisions = await store.apps.revisions(app.id);
    const next = Math.max(...revisions.map((r) => r.revision)) + 1;
    await store.transaction(async () => {
      await store.apps.addRevision({ appId: app.id, revision: next, spec, createdAt: nowIso() });
      await store.apps.update(app.id, { targetRevision: next, status: 'PREPARING', statusReason: '' });
      await store.events.add(
        app.id,
        'NORMAL',
        'AppServer',
        `Rollout of revision ${next} started (image ${imageRef} = ${spec.imageDigest})`,
      );
    });
    this.deps.controller.wake();
    return (await store.apps.get(app.id)) as AppRecord;
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
    const app = await this.find(user, namespace, name);
    await this.deps.store.apps.update(app.id, { paused: true });
    await this.deps.store.events.add(app.id, 'NORMAL', 'AppServer', 'App deletion requested: its workers drain');
    await this.deps.controller.retireApp(app.id);
    await this.deps.store.apps.delete(app.id);
  }
}
