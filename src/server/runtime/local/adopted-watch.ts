const POLL_MS = 500;

/**
 * Watches workers this server did not start itself (adopted after a restart): they are not its
 * children, so no 'exit' event comes for them, and their liveness is polled instead.
 */
export class AdoptedWatch {
  private readonly timers = new Set<NodeJS.Timeout>();

  /** Resolves once `alive()` answers false; never, once the watch is closed (the server is stopping). */
  gone(alive: () => boolean): Promise<void> {
    return new Promise((resolve) => {
      const timer = setInterval(() => {
        if (alive()) return;
        clearInterval(timer);
        this.timers.delete(timer);
        resolve();
      }, POLL_MS);
      this.timers.add(timer);
    });
  }

  close(): void {
    for (const timer of this.timers) clearInterval(timer);
    this.timers.clear();
  }
}

/** Whether a process exists (one we may not signal exists too). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
