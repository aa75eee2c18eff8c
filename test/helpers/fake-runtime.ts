import type { ExecSession, Runtime, WorkerEndpoint, WorkerExit, WorkerLaunch, WorkerLogReader } from '../../src/server/runtime/runtime';

/**
 * An in-memory Runtime for controller tests: no process, no container, so a race the real
 * runtimes take seconds to stage (a crash mid-rollout, an exit mid-drain) takes milliseconds, and
 * the test, not the clock, decides the order. What it does with a worker is up to the test:
 * whether it is ready (`ready`), when it crashes (`exit`), when a start or a stop completes
 * (`holdStarts` / `holdStops` and `release`), what survives a restart (`survivors`).
 * Nothing here listens: endpoints are dummy URLs, so no request may reach a worker.
 */
export class FakeRuntime implements Runtime {
  readonly node = 'fake';
  /** Every launch `start` was called with, in call order. */
  readonly launches: WorkerLaunch[] = [];
  /** Workers whose `start` resolved: they run until they exit. */
  readonly started: string[] = [];
  /** Every `stop` call, in order (a worker may be stopped more than once). */
  readonly stopCalls: string[] = [];
  /** While true, `start` waits for `release('start', id)` (or the controller's abort). */
  holdStarts = false;
  /** While true, `stop` waits for `release('stop', id)`: the drain-vs-exit window stays open. */
  holdStops = false;
  /** Answers `probe` (`launchOf` tells a worker's revision): by default every worker is ready at once. */
  ready: (workerId: string) => boolean = () => true;
  closed = false;

  private readonly running = new Map<string, WorkerEndpoint>();
  private readonly held = new Map<string, { start?: () => void; stop?: () => void }>();
  private listener: ((exit: WorkerExit) => void) | undefined;
  private nextPort = 40_000;

  /** `survivors`: the workers still running when a server restarts (what `recover` finds). */
  constructor(private readonly survivors: readonly string[] = []) {}

  /** The worker's process ends on its own: a crash, or the kernel's OOM killer. */
  exit(workerId: string, how: Omit<WorkerExit, 'workerId'>): void {
    if (!this.running.delete(workerId)) throw new Error(`worker ${workerId} is not running`);
    this.listener?.({ workerId, ...how });
  }

  /** Lets a held `start` or `stop` of the worker complete. */
  release(step: 'start' | 'stop', workerId: string): void {
    const resume = this.held.get(workerId)?.[step];
    if (!resume) throw new Error(`no ${step} of worker ${workerId} is held`);
    resume();
  }

  /** Workers whose `start` or `stop` is held now. */
  holding(step: 'start' | 'stop'): string[] {
    return [...this.held].filter(([, steps]) => steps[step] !== undefined).map(([id]) => id);
  }

  isRunning(workerId: string): boolean {
    return this.running.has(workerId);
  }

  launchOf(workerId: string): WorkerLaunch {
    const launch = this.launches.find((l) => l.workerId === workerId);
    if (!launch) throw new Error(`worker ${workerId} was never started here`);
    return launch;
  }

  async prepareImage(): Promise<void> {}

  async start(launch: WorkerLaunch, signal: AbortSignal): Promise<WorkerEndpoint> {
    this.launches.push(launch);
    // As the real runtimes do, an abort before the process exists means no process.
    if (this.holdStarts) await this.hold('start', launch.workerId, signal);
    signal.throwIfAborted();
    const port = this.nextPort++;
    const endpoint: WorkerEndpoint = { workerId: launch.workerId, pid: port, port, url: `http://fake.invalid:${port}`, servicePorts: {} };
    this.running.set(launch.workerId, endpoint);
    this.started.push(launch.workerId);
    return endpoint;
  }

  async exec(): Promise<ExecSession> {
    throw new Error('the fake runtime runs no command');
  }

  async probe(endpoint: WorkerEndpoint): Promise<boolean> {
    return this.running.has(endpoint.workerId) && this.ready(endpoint.workerId);
  }

  /** As a real stop: the process ends (the exit is reported) before the call resolves. */
  async stop(workerId: string): Promise<void> {
    this.stopCalls.push(workerId);
    if (this.holdStops) await this.hold('stop', workerId);
    if (this.running.delete(workerId)) this.listener?.({ workerId, code: null, signal: 'SIGTERM' });
  }

  async recover(expected: { workerId: string; port: number | null }[]): Promise<Map<string, WorkerEndpoint>> {
    const adopted = new Map<string, WorkerEndpoint>();
    for (const { workerId, port } of expected) {
      if (!this.survivors.includes(workerId) || port === null) continue;
      const endpoint: WorkerEndpoint = { workerId, pid: port, port, url: `http://fake.invalid:${port}`, servicePorts: {} };
      this.running.set(workerId, endpoint);
      adopted.set(workerId, endpoint);
    }
    return adopted;
  }

  /** Keeps nothing on disk, so it has nothing to remove. */
  async removeUnused(): Promise<string[]> {
    return [];
  }

  onExit(listener: (exit: WorkerExit) => void): void {
    this.listener = listener;
  }

  async tailLog(): Promise<string> {
    return '';
  }

  openLog(): WorkerLogReader {
    return { next: async () => [] };
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private hold(step: 'start' | 'stop', workerId: string, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve) => {
      const resume = () => {
        const steps = this.held.get(workerId);
        if (steps) delete steps[step];
        resolve();
      };
      this.held.set(workerId, { ...this.held.get(workerId), [step]: resume });
      // A real runtime notices an abort at its next step, not within the abort call.
      signal?.addEventListener('abort', () => setImmediate(resume), { once: true });
    });
  }
}
