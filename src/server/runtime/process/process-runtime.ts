import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { request } from 'undici';
import type { BlobStore } from '../../blobs/blob-store';
import type { Runtime, WorkerEndpoint, WorkerExit, WorkerLaunch } from '../runtime';
import { freePort } from './free-port';
import { readLog, tailLines, trimLog } from './worker-log';
import { VOLUMES_ENV } from '../../../sdk/context';
import { READINESS_PATH } from '../../../sdk/worker/serve-app';
import { ImageUnpacker } from './image-unpacker';
import { VolumeTrees } from './volume-trees';
import { GpuAssigner } from './gpu-assigner';
import type { GpuInfo } from '../../resources/machine-resources';
import {
  DATA_DIR_ENV,
  WORKER_ID_ENV,
  findWorkerProcesses,
  groupAlive,
  signalGroup,
} from './worker-processes';

/** The SDK's worker main, run inside the unpacked image's app folder. */
const WORKER_ENTRY = join(__dirname, '..', '..', '..', 'sdk', 'worker', 'worker-entry.js');
/** How often a worker the server did not spawn itself (adopted after a restart) is checked for life. */
const ADOPTED_POLL_MS = 500;
const LOG_TRIM_MS = 10_000;
/** What a worker inherits from the server's environment; nothing else (no tokens, no secrets). */
const INHERITED_ENV = ['PATH', 'HOME', 'LANG', 'TZ', 'TMPDIR'];

interface RunningWorker {
  endpoint: WorkerEndpoint;
  exited: Promise<void>;
}

/**
 * Workers as child processes on this machine. Each leads its own process group (so a stop reaches
 * whatever it started) and writes to a log file rather than a pipe, so it outlives a server crash
 * and the next server start adopts it instead of starting a duplicate.
 */
export class ProcessRuntime implements Runtime {
  readonly node = 'local';
  private readonly dataDir: string;
  private readonly unpacker: ImageUnpacker;
  private readonly volumeTrees: VolumeTrees;
  private readonly running = new Map<string, RunningWorker>();
  private readonly exitListeners: ((exit: WorkerExit) => void)[] = [];
  private readonly pollers = new Set<NodeJS.Timeout>();
  private readonly gpus: GpuAssigner;

  /** `gpus`: the machine's, as `nvidia-smi` lists them (none: no worker sees a GPU). */
  constructor(options: { dataDir: string; blobs: BlobStore; gpus?: readonly GpuInfo[] }) {
    this.gpus = new GpuAssigner(options.gpus ?? []);
    this.dataDir = resolve(options.dataDir);
    this.unpacker = new ImageUnpacker(options.blobs, join(this.dataDir, 'images'));
    this.volumeTrees = new VolumeTrees(options.blobs, join(this.dataDir, 'volume-trees'));
    const trimmer = setInterval(() => void this.trimLogs(), LOG_TRIM_MS);
    trimmer.unref();
    this.pollers.add(trimmer);
  }

  private logFile(workerId: string): string {
    return join(this.dataDir, 'workers', workerId, 'output.log');
  }

  async prepareImage(launch: WorkerLaunch): Promise<void> {
    await this.unpacker.ensureUnpacked(launch.image);
    await this.mountVolumes(launch);
  }

  /** What the SDK's `context.getVolume` reads: each volume's read-only folder and revision. */
  private async mountVolumes(launch: WorkerLaunch): Promise<string> {
    const mounted: Record<string, { path: string; revision: string; ready: boolean }> = {};
    for (const volume of launch.volumes) {
      mounted[volume.name] = { path: await this.volumeTrees.ensure(volume), revision: volume.revision, ready: true };
    }
    return JSON.stringify(mounted);
  }

  async start(launch: WorkerLaunch, signal: AbortSignal): Promise<WorkerEndpoint> {
    const rootfs = await this.unpacker.ensureUnpacked(launch.image);
    const volumes = await this.mountVolumes(launch);
    signal.throwIfAborted();
    const port = await freePort();
    const log = this.logFile(launch.workerId);
    mkdirSync(join(log, '..'), { recursive: true });
    const fd = openSync(log, 'a');
    const env: Record<string, string> = {};
    for (const name of INHERITED_ENV) if (process.env[name]) env[name] = process.env[name] as string;
    const child = spawn(process.execPath, [WORKER_ENTRY], {
      cwd: join(rootfs, 'app'),
      detached: true,
      stdio: ['ignore', fd, fd],
      env: {
        ...env,
        ...launch.env,
        PORT: String(port),
        [VOLUMES_ENV]: volumes,
        EVERAI_APP_FILE: launch.appFile,
        [WORKER_ID_ENV]: launch.workerId,
        [DATA_DIR_ENV]: this.dataDir,
        // CPU and memory are not limited here: a child process gets no cgroup without root, and
        // an address-space rlimit breaks V8, which reserves far more than it uses (docs/autoscaling.md).
        CUDA_VISIBLE_DEVICES: this.gpus.assign(launch.workerId, launch.resources),
      },
    });
    closeSync(fd);
    const pid = child.pid;
    if (pid === undefined) {
      this.gpus.release(launch.workerId);
      throw new Error(`worker ${launch.workerId} did not start`);
    }
    const endpoint: WorkerEndpoint = { workerId: launch.workerId, pid, port, url: `http://127.0.0.1:${port}` };
    const exited = new Promise<void>((done) => {
      child.once('exit', (code, sig) => {
        this.running.delete(launch.workerId);
        this.gpus.release(launch.workerId);
        this.emitExit({ workerId: launch.workerId, code, signal: sig });
        done();
      });
    });
    this.running.set(launch.workerId, { endpoint, exited });
    return endpoint;
  }

  async probe(endpoint: WorkerEndpoint, signal: AbortSignal): Promise<boolean> {
    try {
      const res = await request(`${endpoint.url}${READINESS_PATH}`, {
        signal: AbortSignal.any([signal, AbortSignal.timeout(2000)]),
      });
      await res.body.dump();
      return res.statusCode === 200;
    } catch {
      return false;
    }
  }

  async stop(workerId: string, graceMs: number): Promise<void> {
    const worker = this.running.get(workerId);
    if (!worker) return;
    const pgid = worker.endpoint.pid;
    signalGroup(pgid, 'SIGTERM');
    const timer = setTimeout(() => signalGroup(pgid, 'SIGKILL'), graceMs);
    await worker.exited;
    clearTimeout(timer);
    // The leader is gone; anything it started and left behind goes with it.
    signalGroup(pgid, 'SIGKILL');
  }

  async recover(expected: { workerId: string; port: number | null }[]): Promise<Map<string, WorkerEndpoint>> {
    const found = await findWorkerProcesses(this.dataDir);
    const adopted = new Map<string, WorkerEndpoint>();
    for (const { workerId, port } of expected) {
      const proc = found.get(workerId);
      if (!proc || port === null) continue;
      found.delete(workerId);
      const endpoint: WorkerEndpoint = { workerId, pid: proc.pgid, port, url: `http://127.0.0.1:${port}` };
      this.running.set(workerId, { endpoint, exited: this.watchAdopted(workerId, proc.pgid) });
      adopted.set(workerId, endpoint);
    }
    for (const orphan of found.values()) signalGroup(orphan.pgid, 'SIGKILL');
    return adopted;
  }

  /** An adopted worker is not our child, so no 'exit' event comes: poll its process group. */
  private watchAdopted(workerId: string, pgid: number): Promise<void> {
    return new Promise((done) => {
      const timer = setInterval(() => {
        if (groupAlive(pgid)) return;
        clearInterval(timer);
        this.pollers.delete(timer);
        this.running.delete(workerId);
        this.emitExit({ workerId, code: null, signal: null });
        done();
      }, ADOPTED_POLL_MS);
      this.pollers.add(timer);
    });
  }

  onExit(listener: (exit: WorkerExit) => void): void {
    this.exitListeners.push(listener);
  }

  private emitExit(exit: WorkerExit): void {
    for (const listener of this.exitListeners) listener(exit);
  }

  tailLog(workerId: string, lines: number): Promise<string> {
    return tailLines(this.logFile(workerId), lines);
  }

  readLog(workerId: string, options: { follow: boolean; signal: AbortSignal; done: () => boolean }): AsyncIterable<Buffer> {
    return readLog(this.logFile(workerId), options);
  }

  /** Keeps every running worker's log bounded. */
  private async trimLogs(): Promise<void> {
    await Promise.all([...this.running.keys()].map((id) => trimLog(this.logFile(id))));
  }

  /** Stops watching; the workers themselves keep running unless stopped first. */
  async close(): Promise<void> {
    for (const timer of this.pollers) clearInterval(timer);
    this.pollers.clear();
  }
}
