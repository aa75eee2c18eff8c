import { ApiError } from './api';
import { fill, h } from './dom';

/**
 * What one page holds while it is shown: its polls and streams. Leaving the page aborts the
 * signal, which stops them all, so a page never updates after it is gone.
 */
export class PageScope {
  private readonly controller = new AbortController();
  readonly signal = this.controller.signal;

  /**
   * Runs `refresh` now and then `ms` after each run ends (never two at once), until the page goes.
   * A failed run shows its error in `where` and the next run tries again.
   */
  every(ms: number, where: Element, refresh: () => Promise<void>): void {
    const run = async () => {
      if (this.signal.aborted) return;
      try {
        await refresh();
      } catch (error) {
        if (this.signal.aborted) return;
        fill(where, errorBox(error));
      }
      if (!this.signal.aborted) setTimeout(() => void run(), ms);
    };
    void run();
  }

  close(): void {
    this.controller.abort();
  }
}

function errorText(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  return error instanceof Error ? error.message : String(error);
}

export function errorBox(error: unknown): HTMLElement {
  return h('div', { class: 'alert alert-error', role: 'alert' }, errorText(error));
}

/** Runs an action from a button: disabled while it runs; its error, or what it answers, shown in `status`. */
export async function act(button: HTMLButtonElement, status: Element, action: () => Promise<string | Node>): Promise<void> {
  button.disabled = true;
  try {
    const done = await action();
    fill(status, typeof done === 'string' ? h('div', { class: 'alert alert-ok', role: 'status' }, done) : done);
  } catch (error) {
    fill(status, errorBox(error));
  } finally {
    button.disabled = false;
  }
}
