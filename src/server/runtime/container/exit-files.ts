import { promises as fs, watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import { ifExists } from '../../../contract/if-exists';
import { processAlive } from '../local/adopted-watch';
import type { ProgramExit } from './container-monitor';
import { exitOf } from './oci-runtime-cli';

/** How often a waiting container's first process is checked, should no file event come. */
const POLL_MS = 500;
/** Its first process is gone: conmon writes the exit file moments later, unless conmon itself was killed. */
const LATE_FILE_MS = 2000;

/**
 * The folder where conmon writes each container's exit status (a file named by the container,
 * holding the status, 128+N for a signal) once its program ended. The kernel tells of each new
 * file (inotify, through fs.watch); a slow poll covers a missed event and a monitor that died.
 */
export class ExitFiles {
  private watcher: FSWatcher | undefined;
  private readonly waiters = new Map<string, () => void>();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(readonly dir: string) {}

  async ready(): Promise<void> {
    await fs.mkdir(this.dir, { recursive: true, mode: 0o700 });
    if (this.watcher) return;
    this.watcher = watch(this.dir, (_event, name) => {
      if (name) this.waiters.get(String(name))?.();
    });
    // The folder went (a test's sweep): the poll still sees each end.
    this.watcher.on('error', () => this.watcher?.close());
  }

  /**
   * How the container ended, once its exit file is there; null when its first process (`pid`) is
   * gone and no file came (its monitor was killed too). Never resolves once closed.
   */
  async wait(id: string, pid: number): Promise<ProgramExit | null> {
    await this.ready();
    return new Promise((resolve) => {
      let goneSince: number | undefined;
      let checking = false;
      const check = async () => {
        if (checking) return;
        checking = true;
        const exit = await this.read(id);
        checking = false;
        if (!exit && processAlive(pid)) return;
        goneSince ??= Date.now();
        if (exit || Date.now() - goneSince > LATE_FILE_MS) {
          clearInterval(timer);
          this.timers.delete(timer);
          this.waiters.delete(id);
          resolve(exit ?? null);
        }
      };
      const timer = setInterval(() => void check(), POLL_MS);
      this.timers.add(timer);
      this.waiters.set(id, () => void check());
      void check();
    });
  }

  private async read(id: string): Promise<ProgramExit | undefined> {
    const text = (await ifExists(fs.readFile(join(this.dir, id), 'utf8')))?.trim();
    return text !== undefined && /^-?\d+$/.test(text) ? exitOf(Number(text), null) : undefined;
  }

  async remove(id: string): Promise<void> {
    await fs.rm(join(this.dir, id), { force: true });
  }

  close(): void {
    this.watcher?.close();
    for (const timer of this.timers) clearInterval(timer);
    this.timers.clear();
    this.waiters.clear();
  }
}
