import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { MEDIA_TYPES } from '../../src/contract/oci';
import { nowIso } from '../../src/contract/time';
import { Authenticator } from '../../src/server/auth';
import { LocalBlobStore } from '../../src/server/blobs/local/local-blob-store';
import { Controller, type ControllerTimings } from '../../src/server/controller/controller';
import { Gateway } from '../../src/server/gateway/node/gateway';
import { PlatformMetrics } from '../../src/server/metrics/metrics';
import type { AppRecord, UserRecord, WorkerRecord } from '../../src/server/store/records';
import { withSpecDefaults } from '../../src/server/store/revision-spec-defaults';
import { SqliteStore } from '../../src/server/store/sqlite/sqlite-store';
import { FakeRuntime } from './fake-runtime';
import { capturedLogger } from './logger';
import { app, user } from './store-records';
import { sha256 } from './volumes';
import { waitFor } from './wait';

/** Fast enough that a race test takes milliseconds; stopGraceMs is moot, the fake stops at once. */
const TIMINGS: Partial<ControllerTimings> = { resyncMs: 20, probeIntervalMs: 2, stopGraceMs: 0 };

/**
 * A Controller as src/server/platform.ts wires it, minus the HTTP server: the real SqliteStore
 * (in a temp folder), Gateway and launch path, with a FakeRuntime for the workers. One app whose
 * image is a config and an empty manifest written straight into the store and blob store, which
 * is all `launchFor` reads.
 */
export class ControllerHarness {
  readonly store: SqliteStore;
  readonly owner: UserRecord;
  readonly app: AppRecord;
  controller: Controller;
  runtime: FakeRuntime;
  gateway!: Gateway;
  private readonly dir: string;
  private readonly blobs: LocalBlobStore;
  private readonly imageDigest: Promise<string>;

  private constructor(desiredWorkers: number) {
    this.dir = mkdtempSync(join(tmpdir(), 'everai-controller-'));
    this.store = new SqliteStore(join(this.dir, 'state.db'));
    this.blobs = new LocalBlobStore(join(this.dir, 'blobs'));
    this.imageDigest = this.writeImage();
    this.owner = user('owner');
    this.app = { ...app(this.owner, 'race'), routeName: 'race', desiredWorkers, readyTimeoutMs: 60_000, maxDrainMs: 60_000 };
    this.runtime = new FakeRuntime();
    this.controller = this.newController();
  }

  /** Stores the app with revision 1 and starts the controller on it (unless `standby`: a server without the lease). */
  static async start(desiredWorkers: number, { standby = false } = {}): Promise<ControllerHarness> {
    const harness = new ControllerHarness(desiredWorkers);
    const { store, app } = harness;
    await store.users.create(harness.owner);
    await store.images.claimRepository('race', app.ownerId);
    await store.images.putManifest({ repository: 'race', digest: await harness.imageDigest, mediaType: MEDIA_TYPES.ociManifest, size: 0, createdAt: nowIso() });
    await store.apps.create(app);
    await harness.addRevision(1);
    if (!standby) await harness.controller.start();
    return harness;
  }

  /** A new revision as the target, as `app upgrade` makes one (REVISION in its env tells it apart). */
  async upgrade(): Promise<number> {
    const current = await this.currentApp();
    const revision = current.targetRevision + 1;
    await this.addRevision(revision);
    await this.store.apps.update(this.app.id, { targetRevision: revision, stableRevision: current.targetRevision, status: 'PREPARING' });
    this.controller.wake();
    return revision;
  }

  /**
   * Holds every worker record the controller writes until the returned release is called, as a
   * slow store (PostgreSQL under load) may: passes meanwhile do not see the workers being started.
   */
  holdWorkerCreates(): () => void {
    const create = this.store.workers.create.bind(this.store.workers);
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    this.store.workers.create = async (worker) => {
      await released;
      await create(worker);
    };
    return () => {
      this.store.workers.create = create;
      release();
    };
  }

  /**
   * Holds every drain in the gateway (the wait for a worker's requests to finish) until the
   * returned release is called, as a worker still answering a long request would.
   */
  holdDrains(): () => void {
    const drain = this.gateway.drainWorker.bind(this.gateway);
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    this.gateway.drainWorker = async (...args) => {
      await released;
      return drain(...args);
    };
    return () => {
      this.gateway.drainWorker = drain;
      release();
    };
  }

  /**
   * The next pass reads its snapshot of live workers, then `meanwhile` runs before the pass goes
   * on with that snapshot: what a slow store, or a long pass over many apps, lets happen between
   * the read and an app's plan. Resolves once that pass has its snapshot back.
   */
  staleSnapshotOnce(meanwhile: () => Promise<void>): Promise<void> {
    const listLive = this.store.workers.listLive.bind(this.store.workers);
    return new Promise<void>((resolve, reject) => {
      this.store.workers.listLive = async () => {
        this.store.workers.listLive = listLive;
        const snapshot = await listLive();
        await meanwhile().then(resolve, reject);
        return snapshot;
      };
    });
  }

  async setDesired(desiredWorkers: number): Promise<void> {
    await this.store.apps.update(this.app.id, { desiredWorkers });
    this.controller.wake();
  }

  /** A server restart: the controller stops leaving its workers, a new one starts on the same store with `runtime`. */
  async restart(runtime: FakeRuntime): Promise<void> {
    await this.controller.stop({ stopWorkers: false });
    this.runtime = runtime;
    this.controller = this.newController();
    await this.controller.start();
  }

  async currentApp(): Promise<AppRecord> {
    return (await this.store.apps.get(this.app.id)) ?? assertNever('the app is gone');
  }

  async workers(): Promise<WorkerRecord[]> {
    return this.store.workers.listByApp(this.app.id);
  }

  async worker(id: string): Promise<WorkerRecord> {
    return (await this.store.workers.get(id)) ?? assertNever(`worker ${id} has no record`);
  }

  /** Waits for the app's live workers to match `check` (passes run on wake-ups and a 20 ms timer). */
  waitWorkers(what: string, check: (live: WorkerRecord[], all: WorkerRecord[]) => boolean): Promise<WorkerRecord[]> {
    return waitFor(what, async () => {
      const all = await this.workers();
      const live = all.filter((w) => w.status !== 'TERMINATED' && w.status !== 'ERROR');
      return check(live, all) && live;
    }, 5_000, 5);
  }

  /** Lets the controller run a few more passes, so "nothing else happened" means something. */
  async quiesce(): Promise<void> {
    for (let i = 0; i < 3; i++) {
      this.controller.wake();
      await this.controller.settled();
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  async events(): Promise<string[]> {
    return (await this.store.events.list(this.app.id, 1000)).map((e) => `${e.type} ${e.message}`);
  }

  async close(): Promise<void> {
    await this.controller.stop({ stopWorkers: false });
    await this.store.close();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private newController(): Controller {
    const metrics = new PlatformMetrics();
    const gateway = new Gateway({ auth: new Authenticator(this.store), maxRequestBodyBytes: 1 << 20, queueTimeoutMs: 1_000, metrics });
    this.gateway = gateway;
    const keyValues = { read: () => Promise.reject(new Error('the race app reads no secret')) };
    const volumes = { revisionFiles: () => Promise.resolve([]) };
    const deps = { store: this.store, blobs: this.blobs, volumes, keyValues, runtime: this.runtime, gateway, metrics, log: capturedLogger().log };
    return new Controller(deps, TIMINGS);
  }

  private async addRevision(revision: number): Promise<void> {
    const imageDigest = await this.imageDigest;
    const spec = withSpecDefaults({ imageRef: 'race:v1', imageRepository: 'race', imageDigest, env: { REVISION: String(revision) } });
    await this.store.apps.addRevision({ appId: this.app.id, revision, spec, createdAt: nowIso() });
  }

  private async writeImage(): Promise<string> {
    const write = async (text: string) => (await this.blobs.write(Readable.from([Buffer.from(text)]), sha256(text))).digest;
    const config = JSON.stringify({ architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [] } });
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA_TYPES.ociManifest,
      config: { mediaType: MEDIA_TYPES.ociConfig, digest: await write(config), size: config.length },
      layers: [],
    });
    return write(manifest);
  }
}

function assertNever(why: string): never {
  throw new Error(why);
}
