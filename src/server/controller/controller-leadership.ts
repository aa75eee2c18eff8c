import type { Logger } from '../logger';
import type { StoreLease } from '../store/store';

/** What runs only on the server that holds the lease: the controller and the autoscaler. */
export interface LeaderRole {
  start(): Promise<void>;
  stop(): Promise<void>;
}

const POLL_MS = 1000;

/**
 * Runs the role only while this server holds the store's controller lease, so two servers on one
 * database never both start, stop and count workers. A standby polls the lease every second and
 * takes over within about that long after the holder dies. A lease lost while held (its
 * connection dropped) stops the role for good: the controller cannot be started twice, so the
 * server goes on serving without one until it is restarted (docs/store.md).
 */
export class ControllerLeadership {
  private stopped = false;
  private running = false;
  private wakeUp: (() => void) | undefined;
  private loop: Promise<void> = Promise.resolve();

  constructor(
    private readonly lease: StoreLease,
    private readonly role: LeaderRole,
    private readonly log: Logger,
    private readonly pollMs = POLL_MS,
  ) {
    lease.onLost(() => {
      this.log.error('lost the controller lease (its database connection dropped): the controller stops; restart this server to stand by again');
      this.stopRole().catch((error: unknown) => this.log.error('the controller did not stop cleanly', { error }));
    });
  }

  /** Resolves after the first try: with the role started when the lease was free. */
  async start(): Promise<void> {
    if (await this.tryTake()) return;
    this.log.info('another server holds the controller lease: serving without the controller, waiting for the lease');
    this.loop = this.poll();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wakeUp?.();
    await this.loop;
    await this.stopRole();
    await this.lease.release();
  }

  private async poll(): Promise<void> {
    while (!this.stopped) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.pollMs);
        this.wakeUp = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      if (!this.stopped && (await this.tryTake())) return;
    }
  }

  private async tryTake(): Promise<boolean> {
    let held: boolean;
    try {
      held = await this.lease.tryAcquire();
    } catch (error) {
      this.log.warn('cannot ask the store for the controller lease', { error });
      return false;
    }
    if (!held || this.stopped) return false;
    this.log.info('holds the controller lease: running the controller');
    this.running = true;
    await this.role.start();
    return true;
  }

  private async stopRole(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    await this.role.stop();
  }
}
