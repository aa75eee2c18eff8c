/**
 * - `scheduled`: a start fired, its record not yet written (a pass cannot see it in the store yet);
 * - `starting`: recorded, on its way to ready;
 * - `draining`: going, on purpose;
 * - `done`: its work is over, only its promise has yet to settle.
 */
export type TaskState = 'scheduled' | 'starting' | 'draining' | 'done';

export interface WorkerTask {
  readonly appId: string;
  state: TaskState;
  /** Everything run for the worker so far; settles when all of it has. */
  promise: Promise<void>;
  /** Calls the task's work off: the server stopping, or a start whose worker is drained meanwhile. */
  abort: AbortController;
  /** A drain's: resolves once no new request reaches the worker. */
  stopped?: Promise<void>;
}

/**
 * The controller's work on each worker, one record per worker: what it is doing (a pass must not
 * start twice what is already starting, nor drain twice), and the promises `stop` waits for so
 * nothing is left half written when the store closes. A record goes once its work has settled.
 */
export class WorkerTasks {
  private readonly tasks = new Map<string, WorkerTask>();
  private stopped = false;

  get(workerId: string): WorkerTask | undefined {
    return this.tasks.get(workerId);
  }

  /**
   * Runs `work` for the worker as `state`. A worker that has a task keeps it (its earlier work is
   * still awaited); the state is set before `work` runs, so the work sees its own state.
   */
  track(workerId: string, appId: string, state: TaskState, work: (task: WorkerTask) => Promise<void>, onError: (error: unknown) => void): void {
    const task = this.tasks.get(workerId) ?? { appId, state, promise: Promise.resolve(), abort: this.newAbort() };
    task.state = state;
    this.tasks.set(workerId, task);
    const all = Promise.all([task.promise, work(task).catch(onError)]).then(() => undefined);
    task.promise = all;
    void all.finally(() => {
      if (this.tasks.get(workerId)?.promise === all) this.tasks.delete(workerId);
    });
  }

  /** A start's record is written: the worker may be drained from now on, and its start may bring it up. */
  recorded(task: WorkerTask): void {
    if (task.state === 'scheduled') task.state = 'starting';
  }

  /** The worker's start or drain is over (ready, failed, gone); its record stays until its work settles. */
  end(workerId: string): void {
    const task = this.tasks.get(workerId);
    if (task) task.state = 'done';
  }

  /**
   * Starts of the app under way whose workers are not in `seen` (what a pass read from the store):
   * a plan must count them. Recorded ones count too: a record written after the read is missing
   * from it all the same. A start that failed or was drained is no start any more (`done`,
   * `draining`), and its worker no longer live.
   */
  startsNotIn(appId: string, seen: ReadonlySet<string>): number {
    let count = 0;
    for (const [id, task] of this.tasks) {
      if (task.appId === appId && (task.state === 'scheduled' || task.state === 'starting') && !seen.has(id)) count++;
    }
    return count;
  }

  /** A fresh abort for a task whose earlier work was called off (a start, before its drain). */
  renewAbort(task: WorkerTask): void {
    task.abort = this.newAbort();
  }

  /** Calls every task off and waits until all have settled, including work they chained meanwhile. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const task of this.tasks.values()) task.abort.abort();
    while (this.tasks.size > 0) await Promise.all([...this.tasks.values()].map((task) => task.promise));
  }

  private newAbort(): AbortController {
    const abort = new AbortController();
    if (this.stopped) abort.abort();
    return abort;
  }
}
