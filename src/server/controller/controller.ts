import { EveraiError } from '../../contract/errors';
import { newId } from '../../contract/ids';
import { nowIso } from '../../contract/time';
import type { DataPlane } from '../gateway/data-plane';
import type { Logger } from '../logger';
import { appLabel, type PlatformMetrics } from '../metrics/metrics';
import type { Runtime, WorkerEndpoint, WorkerExit } from '../runtime/runtime';
import { isTerminal, type AppRecord, type AppStatus, type WorkerRecord } from '../store/records';
import { readPassSnapshot } from './pass-snapshot';
import { probeDelayMs, ProbeWait } from './probe-schedule';
import { planRollout } from './rollout-plan';
import { RolloutGuard, type RolloutGuardOptions } from './rollout-guard';
import { RolloutTimer } from './rollout-timer';
import { launchFor, type LaunchDeps } from './worker-launcher';
import { describeExit } from './worker-exit';
import { LAST_OUTPUT_LINES, withLastOutput } from './last-output';
import { WorkerTasks, type WorkerTask } from './worker-tasks';

export interface ControllerDeps extends LaunchDeps {
  runtime: Runtime;
  gateway: DataPlane;
  log: Logger;
  metrics: Pick<PlatformMetrics, 'workerStarted' | 'rolloutFinished' | 'rolloutHalted'>;
}

export interface ControllerTimings extends RolloutGuardOptions {
  /** The level-triggered loop runs at least this often, and at once after any change. */
  resyncMs: number;
  /** Between readiness probes of a starting worker after its first second (probe-schedule.ts); between checks of a retiring app. */
  probeIntervalMs: number;
  /** After SIGTERM, how long a worker has to exit before SIGKILL. */
  stopGraceMs: number;
}

export const DEFAULT_TIMINGS: ControllerTimings = {
  resyncMs: 1000,
  probeIntervalMs: 100,
  stopGraceMs: 30_000,
  maxFailures: 3,
  stableAfterMs: 60_000,
};

/**
 * The controller: compares each app's desired state in the store with the workers that run and
 * converges them, on a timer and whenever something changes. Nothing it decides depends on an
 * event having been seen: a restart or a lost wake-up only delays the next pass.
 * Lifecycles: docs/worker-lifecycle.md and docs/rollout.md.
 */
export class Controller {
  private readonly tasks = new WorkerTasks();
  /** Workers being stopped on purpose: their exit is TERMINATED, not ERROR. */
  private readonly stopping = new Set<string>();
  /** How each worker stopped on purpose exited, for the event that says it terminated. */
  private readonly exits = new Map<string, WorkerExit>();
  /** Workers finished since the running pass read its snapshot, which still shows them live. */
  private readonly finishedSinceSnapshot = new Set<string>();
  /**
   * Apps retired (no worker left, routes gone) that the store still lists until the delete that
   * follows: a pass must not sync them back into the data plane, which would cost HAProxy two
   * needless reloads (back in, then out again) and briefly route to an app being deleted.
   */
  private readonly retired = new Set<string>();
  private readonly guard: RolloutGuard;
  private readonly rollouts: RolloutTimer;
  private readonly abort = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  /** Set once `start` took back what runs: a server without the lease (a standby) never starts, so its API's wake-ups run no pass. */
  private started = false;
  private running: Promise<void> | undefined;
  private again = false;
  private readonly timings: ControllerTimings;
  /** What went wrong in work nobody awaits (a pass, a drain): an EveraiError is expected, the rest is a bug. */
  private readonly logError = (error: unknown): void => {
    if (error instanceof EveraiError) this.deps.log.warn(error.message, error.cause === undefined ? {} : { cause: error.cause });
    else this.deps.log.error('unexpected failure', { error });
  };

  constructor(
    private readonly deps: ControllerDeps,
    timings: Partial<ControllerTimings> = {},
  ) {
    this.timings = { ...DEFAULT_TIMINGS, ...timings };
    this.guard = new RolloutGuard(deps.store, (...args) => this.event(...args), this.timings, deps.metrics);
    this.rollouts = new RolloutTimer(deps.metrics);
    deps.runtime.onExit((exit) => void this.onWorkerExit(exit).catch(this.logError));
  }

  /** Takes back what ran before a restart, then starts the loop. */
  async start(): Promise<void> {
    await this.recover();
    this.started = true;
    this.timer = setInterval(() => this.wake(), this.timings.resyncMs);
    this.wake();
  }

  /** Asks for a reconcile pass soon; passes never overlap. */
  wake(): void {
    if (!this.started || this.abort.signal.aborted) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.reconcileAll()
      .catch(this.logError)
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
  }

  /**
   * Runs `change` (a change of desired state: the autoscaler's, a manual scale) between reconcile
   * passes, so no pass reads half of it; a pass follows at once.
   */
  async apply<T>(change: () => Promise<T>): Promise<T> {
    while (this.running) await this.running;
    let done!: () => void;
    this.running = new Promise<void>((resolve) => (done = resolve));
    try {
      return await change();
    } finally {
      this.running = undefined;
      done();
      this.wake();
    }
  }

  /** Resolves once the passes asked for so far have run (new workers then have their records). */
  async settled(): Promise<void> {
    while (this.running) await this.running;
  }

  /** Resolves once the passes asked for so far have run and the workers they drain take nothing new (or the server stops). */
  async drainsBegun(workerIds: readonly string[]): Promise<void> {
    await this.settled();
    await untilAborted(Promise.all(workerIds.map((id) => this.tasks.get(id)?.stopped ?? Promise.resolve())), this.abort.signal);
  }

  async stop({ stopWorkers }: { stopWorkers: boolean }): Promise<void> {
    this.abort.abort();
    clearInterval(this.timer);
    await this.running;
    // Each start either records its worker RUNNING or gives up on the abort, and each drain leaves
    // its worker REMOVE for the next server to stop; the store is still open.
    await this.tasks.stop();
    if (stopWorkers) {
      const live = await this.deps.store.workers.listLive();
      await Promise.all(live.map((w) => this.stopWorker(w, 'the server is shutting down')));
    }
    await this.deps.runtime.close();
  }

  private async recover(): Promise<void> {
    const { store, runtime, gateway } = this.deps;
    // At once, not one by one: HAProxy loads every new backend in one reload.
    await Promise.all((await store.apps.list()).map((app) => gateway.syncApp(app)));
    const live = await store.workers.listLive();
    const adopted = await runtime.recover(live.map((w) => ({ workerId: w.id, port: w.port })));
    for (const worker of live) {
      const app = await store.apps.get(worker.appId);
      const endpoint = adopted.get(worker.id);
      if (!app || !endpoint) {
        await this.finish(worker, worker.phase === 'REMOVE' ? 'TERMINATED' : 'ERROR', 'its process was gone after a server restart');
        continue;
      }
      if (worker.phase === 'REMOVE') {
        this.tasks.track(worker.id, app.id, 'draining', () => this.stopWorker(worker, 'it was draining when the server restarted'), this.logError);
      } else {
        this.tasks.track(worker.id, app.id, 'starting', (task) => this.awaitReady(app, worker, endpoint, task, false), this.logError);
      }
    }
  }

  private async reconcileAll(): Promise<void> {
    this.finishedSinceSnapshot.clear();
    const snapshot = await readPassSnapshot(this.deps.store);
    for (const app of snapshot.apps) {
      if (this.abort.signal.aborted) return;
      if (this.retired.has(app.id)) continue;
      // Workers finished while earlier apps were planned still look live in the snapshot.
      const live = (snapshot.live.get(app.id) ?? []).filter((w) => !this.finishedSinceSnapshot.has(w.id));
      await this.reconcileApp(app, live, this.guard.halted(app, snapshot.failures));
    }
    await this.forgetDeletedApps(snapshot.apps);
  }

  /**
   * Routes of apps the store no longer has go. A deleted app's route is removed when it retires,
   * but a pass whose sync of it was under way then puts it back; this pass, or the next, finds it
   * gone. Passes never overlap, so an app missing here was deleted, not created since.
   */
  private async forgetDeletedApps(apps: readonly AppRecord[]): Promise<void> {
    const known = new Set(apps.map((app) => app.id));
    for (const appId of this.retired) if (!known.has(appId)) this.retired.delete(appId);
    for (const appId of this.deps.gateway.appIds()) {
      if (!known.has(appId) && !this.abort.signal.aborted) await this.deps.gateway.removeApp(appId);
    }
  }

  private async reconcileApp(app: AppRecord, live: WorkerRecord[], halted: boolean): Promise<void> {
    await this.deps.gateway.syncApp(app);
    await this.guard.forgiveStable(app, live);
    const desired = app.paused ? 0 : app.desiredWorkers;
    // Starts fired by an earlier pass that the snapshot does not show (their records written
    // after it was read, or not yet): counted, or this pass would start them again.
    const unseen = this.tasks.startsNotIn(app.id, new Set(live.map((w) => w.id)));
    const plan = planRollout(halted ? 0 : desired, app.targetRevision, live, unseen);

    for (const id of plan.drain) {
      const worker = live.find((w) => w.id === id);
      if (worker) this.drain(app, worker);
    }
    // Workers a scale-down chose (marked REMOVE in the store, the count lowered with it) drain too.
    for (const worker of live) {
      if (worker.phase === 'REMOVE' && worker.status !== 'TERMINATING') this.drain(app, worker);
    }
    const replaceable = live.filter((w) => w.revision !== app.targetRevision && w.phase !== 'REMOVE');
    for (let i = 0; i < plan.create; i++) {
      const id = newId();
      this.tasks.track(id, app.id, 'scheduled', (task) => this.startWorker(app, id, replaceable[i]?.id ?? null, task), this.logError);
    }
    await this.updateStatus(app, plan.converged, desired);
  }

  private async updateStatus(app: AppRecord, converged: boolean, desired: number): Promise<void> {
    let status: AppStatus;
    if (app.paused) status = converged || desired === 0 ? 'PAUSED' : 'PREPARING';
    else if (app.status === 'FAILED') status = 'FAILED';
    else status = converged ? 'DEPLOYED' : 'PREPARING';
    if (status === app.status) return;
    await this.deps.store.apps.update(app.id, { status, statusReason: status === 'FAILED' ? app.statusReason : '' });
    if (status === 'DEPLOYED') {
      if (app.status === 'PREPARING') this.rollouts.deployed(app);
      // Revision 1 deploys; every later one got there by a rollout (upgrade, update or rollback).
      const what = app.targetRevision > 1 ? `Rollout of revision ${app.targetRevision} finished` : 'App is deployed';
      await this.event(app.id, 'NORMAL', 'AppServer', `${what}: revision ${app.targetRevision} serves`);
    }
    if (status === 'PAUSED') await this.event(app.id, 'NORMAL', 'AppServer', 'App is paused: no worker runs');
  }

  private async startWorker(app: AppRecord, id: string, replaceWorkerId: string | null, task: WorkerTask): Promise<void> {
    const { store, runtime } = this.deps;
    const worker: WorkerRecord = {
      id,
      appId: app.id,
      revision: app.targetRevision,
      status: 'CREATED',
      phase: 'IN_FLIGHT',
      pid: null,
      port: null,
      replaceWorkerId,
      statusReason: '',
      createdAt: nowIso(),
      launchAt: null,
      deletedAt: null,
      lastServeAt: null,
      successCount: 0,
      failedCount: 0,
    };
    await store.workers.create(worker);
    this.tasks.recorded(task);
    await this.event(app.id, 'NORMAL', 'Scheduler', `Successfully assigned worker/${worker.id} to node/${runtime.node}`);
    try {
      const revision = await store.apps.revision(app.id, worker.revision);
      if (!revision) throw new Error(`revision ${worker.revision} is missing`);
      const launch = await launchFor(this.deps, worker.id, revision);
      await runtime.prepareImage(launch, task.abort.signal);
      await store.workers.update(worker.id, { status: 'INITIALIZED' });
      const endpoint = await runtime.start(launch, task.abort.signal);
      // Drained or stopped while its image was prepared: the process it just got must not stay.
      if (task.state !== 'starting') {
        await runtime.stop(worker.id, this.timings.stopGraceMs);
        return;
      }
      await store.workers.update(worker.id, {
        status: 'RUNNING',
        phase: 'UNSPECIFIED',
        pid: endpoint.pid,
        port: endpoint.port,
        launchAt: nowIso(),
      });
      await this.awaitReady(app, { ...worker, status: 'RUNNING', phase: 'UNSPECIFIED' }, endpoint, task, true);
    } catch (error) {
      // Drained while it started: the drain, which called the start off, finishes it.
      if (task.state === 'draining') return;
      this.tasks.end(worker.id);
      // Cut short by a shutdown: no fault of its revision's, so nothing counts against it.
      if (this.abort.signal.aborted) {
        await this.finish(worker, 'TERMINATED', 'the server shut down while it was starting');
        return;
      }
      this.deps.log.warn('a worker could not start', { app: app.name, worker: worker.id, error });
      await this.fail(app.id, worker, `it could not start: ${(error as Error).message}`);
    }
  }

  /**
   * Probes until the worker is ready, then hands it to the gateway. Its exit ends the wait.
   * `coldStart`: this server started it, so its creation to now is a cold start; a worker adopted
   * after a restart is not one.
   */
  private async awaitReady(app: AppRecord, worker: WorkerRecord, endpoint: WorkerEndpoint, task: WorkerTask, coldStart: boolean): Promise<void> {
    const began = Date.now();
    const deadline = began + app.readyTimeoutMs;
    // Its output cuts the wait for the next probe short: the SDK prints a line once it listens.
    const wait = new ProbeWait();
    const stopListening = this.deps.runtime.onOutput?.(worker.id, () => wait.nudge());
    try {
      while (task.state === 'starting' && !task.abort.signal.aborted) {
        if (await this.deps.runtime.probe(endpoint, task.abort.signal)) {
          this.tasks.end(worker.id);
          await this.markReady(app, worker, endpoint, coldStart);
          return;
        }
        if (Date.now() > deadline) {
          this.tasks.end(worker.id);
          await this.failNotReady(app, worker);
          return;
        }
        await wait.wait(probeDelayMs(Date.now() - began, this.timings.probeIntervalMs), task.abort.signal);
      }
    } finally {
      stopListening?.();
    }
  }

  /** A probe answered: the worker takes requests from now on (unless it ended or drains meanwhile). */
  private async markReady(app: AppRecord, worker: WorkerRecord, endpoint: WorkerEndpoint, coldStart: boolean): Promise<void> {
    const current = await this.deps.store.workers.get(worker.id);
    if (!current || isTerminal(current.status)) return;
    await this.deps.store.workers.update(worker.id, { phase: current.phase === 'REMOVE' ? 'REMOVE' : 'READY' });
    this.guard.workerReady(worker.id);
    if (coldStart) this.deps.metrics.workerStarted(appLabel(app), (Date.now() - Date.parse(worker.createdAt)) / 1000);
    const latest = (await this.deps.store.apps.get(app.id)) ?? app;
    this.deps.gateway.addWorker(latest, { id: worker.id, revision: worker.revision, url: endpoint.url, servicePorts: endpoint.servicePorts });
    await this.event(app.id, 'NORMAL', 'AppServer', `Worker/${worker.id} is ready now`);
    this.wake();
  }

  /** Drains the worker, unless it already is draining; a start still under way is called off. */
  private drain(app: AppRecord, worker: WorkerRecord): void {
    const current = this.tasks.get(worker.id);
    if (current?.state === 'draining') return;
    const wasStarting = current?.state === 'starting';
    if (current && wasStarting) {
      current.abort.abort();
      this.tasks.renewAbort(current);
    }
    this.tasks.track(worker.id, app.id, 'draining', (task) => this.drainWorker(app, worker, wasStarting, task), this.logError);
  }

  /**
   * REMOVE: no new request reaches the worker; once it holds none, or once the app's maxDrainMs
   * passed and the gateway cut what it still held, it stops.
   */
  private async drainWorker(app: AppRecord, worker: WorkerRecord, wasStarting: boolean, task: WorkerTask): Promise<void> {
    // The data plane first, not after the store's writes: a manual scale-down answers once the
    // worker takes nothing new (task.stopped), and a request the worker freed a place for meanwhile
    // would otherwise still go to it.
    let stopped!: () => void;
    task.stopped = new Promise<void>((resolve) => (stopped = resolve));
    if (wasStarting) stopped();
    const draining = wasStarting ? Promise.resolve({ cut: 0 }) : this.deps.gateway.drainWorker(app.id, worker.id, app.maxDrainMs, stopped);
    // Awaited after the writes, so a failure meanwhile must not count as unhandled; and a drain that
    // failed before it could call `stopped` must not leave a scale-down waiting on it forever.
    draining.then(stopped, stopped);
    await this.deps.store.workers.update(worker.id, { phase: 'REMOVE' });
    await this.event(app.id, 'NORMAL', 'AppServer', `Worker/${worker.id} is draining: it finishes its requests and takes no new ones`);
    const drained = await untilAborted(draining, task.abort.signal);
    // The server is stopping: the worker stays REMOVE, and the next server stops it (recover).
    if (!drained) return;
    const { cut } = drained;
    const seconds = app.maxDrainMs / 1000;
    if (cut > 0) {
      await this.event(
        app.id,
        'WARNING',
        'AppServer',
        `Worker/${worker.id} still held ${cut} request${cut === 1 ? '' : 's'} after draining for ${seconds} s (the app's maxDrainSeconds): they were cut off so the worker could stop`,
      );
    }
    await this.stopWorker(worker, cut > 0 ? `its ${seconds} s to drain ran out` : 'it was drained');
  }

  private async stopWorker(worker: WorkerRecord, why: string): Promise<void> {
    await this.beginStop(worker);
    await this.deps.runtime.stop(worker.id, this.timings.stopGraceMs);
    await this.finish(worker, 'TERMINATED', why);
  }

  /** From here its exit is expected, and no pass counts it among its revision's workers (TERMINATING, REMOVE). */
  private async beginStop(worker: WorkerRecord): Promise<void> {
    this.stopping.add(worker.id);
    await this.deps.store.workers.update(worker.id, { status: 'TERMINATING', phase: 'REMOVE' });
    await this.deps.gateway.removeWorker(worker.appId, worker.id);
  }

  /**
   * Not ready in time: what it printed while it was awaited says why (a prepare hook that hangs
   * printed its name). Its failure is counted in the same step that takes it out of its revision's
   * count, as `fail` does for a crash: a pass between the two would start a replacement on a
   * revision this very failure halts.
   */
  private async failNotReady(app: AppRecord, worker: WorkerRecord): Promise<void> {
    const output = await this.deps.runtime.tailLog(worker.id, LAST_OUTPUT_LINES);
    const why = withLastOutput(`it was not ready within ${app.readyTimeoutMs / 1000} s`, output);
    await this.apply(async () => {
      await this.beginStop(worker);
      await this.guard.workerFailed(app.id, worker, why);
    });
    await this.deps.runtime.stop(worker.id, this.timings.stopGraceMs);
    await this.finish(worker, 'ERROR', why);
  }

  /** The worker's process ended: on purpose (TERMINATED) or not (ERROR, and it is replaced). */
  private async onWorkerExit(exit: WorkerExit): Promise<void> {
    if (this.stopping.has(exit.workerId)) {
      this.exits.set(exit.workerId, exit);
      return;
    }
    const worker = await this.deps.store.workers.get(exit.workerId);
    if (!worker || isTerminal(worker.status)) return;
    this.tasks.end(worker.id);
    await this.deps.gateway.removeWorker(worker.appId, worker.id);
    // Read only now: the runtime reports an exit once the process ended, so its log is complete.
    const output = await this.deps.runtime.tailLog(worker.id, LAST_OUTPUT_LINES);
    // OOMKilled first, where `worker list -o wide` shows a reason's first words.
    const why = withLastOutput(`its process ${describeExit(exit)}`, output);
    await this.fail(worker.appId, worker, exit.oomKilled ? `OOMKilled: ${why}` : why);
  }

  private async fail(appId: string, worker: WorkerRecord, why: string): Promise<void> {
    // Between passes: a pass that saw the worker ERROR before its failure was counted would start
    // a replacement on a revision this very failure halts (a fourth worker after three crashes).
    await this.apply(async () => {
      await this.finish(worker, 'ERROR', why);
      await this.guard.workerFailed(appId, worker, why);
    });
  }

  private async finish(worker: WorkerRecord, status: 'TERMINATED' | 'ERROR', why: string): Promise<void> {
    this.finishedSinceSnapshot.add(worker.id);
    this.stopping.delete(worker.id);
    this.guard.workerGone(worker.id);
    this.tasks.end(worker.id);
    const exit = this.exits.get(worker.id);
    this.exits.delete(worker.id);
    await this.deps.store.workers.update(worker.id, { status, phase: '', deletedAt: nowIso(), statusReason: why });
    if (status === 'TERMINATED') {
      const how = exit ? ` (its process ${describeExit(exit)})` : '';
      await this.event(worker.appId, 'NORMAL', 'AppServer', `Worker/${worker.id} terminated: ${why}${how}`);
    }
    this.wake();
  }

  /** An app event, for its owner (`app events`) and, with the app's id, for whoever runs the server. */
  private async event(appId: string, type: 'NORMAL' | 'WARNING', from: string, message: string): Promise<void> {
    await this.deps.store.events.add(appId, type, from, message);
    this.deps.log[type === 'WARNING' ? 'warn' : 'info'](message, { app: appId, from });
  }

  /** Resolves once the app (paused by the caller) has no live worker left; then forgets its routes. */
  async retireApp(appId: string): Promise<void> {
    const { store, gateway } = this.deps;
    this.wake();
    while ((await store.workers.listLiveByApp(appId)).length > 0) {
      await sleep(this.timings.probeIntervalMs, this.abort.signal);
      if (this.abort.signal.aborted) throw new EveraiError('EVERAI_UNAVAILABLE', 'the server is shutting down');
    }
    this.retired.add(appId);
    await gateway.removeApp(appId);
    this.rollouts.forget(appId);
  }
}

/** `work`'s result, or undefined once `signal` aborts first. */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T | undefined> {
  if (signal.aborted) return Promise.resolve(undefined);
  return new Promise<T | undefined>((resolve, reject) => {
    const aborted = () => resolve(undefined);
    signal.addEventListener('abort', aborted, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', aborted));
  });
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
