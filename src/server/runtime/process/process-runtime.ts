import { spawn } from 'node:child_process';
import { closeSync, openSync, promises as fs } from 'node:fs';
import { join, resolve } from 'node:path';
import { EveraiError } from '../../../contract/errors';
import type { BlobStore } from '../../blobs/blob-store';
import { pullLayers } from '../../registry/remote/remote-image';
import type { ExecRequest, ExecSession, Runtime, WorkerEndpoint, WorkerExit, WorkerLaunch, WorkerLogReader } from '../runtime';
import { AdoptedWatch } from '../local/adopted-watch';
import { WorkerFolders } from '../local/worker-log';
import { LocalTrees, type WorkerTrees } from '../local/local-trees';
import { GpuAssigner } from '../local/gpu-assigner';
import type { GpuInfo } from '../../resources/machine-resources';
import { findWorkerProcesses, groupAlive, signalGroup } from './worker-processes';
import { WORKER_ID_ENV, type WorkerPlaces, type WorkerPorts } from '../local/platform-env';
import { KeyValueFiles } from '../local/key-value-files';
import { buildWorkerFolder, type FolderMount } from './worker-folder';
import { allocatePorts, commandFile, programCommand, workerEnv } from './worker-program';
import { probeWorker, readEndpointFile, writeEndpointFile, type Readiness } from '../local/worker-readiness';
import { startExec } from '../local/exec-session';

/** How often a worker the server did not spawn itself (adopted after a restart) is checked for life. */

interface RunningWorker {
  endpoint: WorkerEndpoint;
  readiness: Readiness;
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
  private readonly trees: LocalTrees;
  private readonly keyValueFiles: KeyValueFiles;
  private readonly blobs: BlobStore;
  private readonly folders: WorkerFolders;
  private readonly running = new Map<string, RunningWorker>();
  private readonly exitListeners: ((exit: WorkerExit) => void)[] = [];
  private readonly adopted = new AdoptedWatch();
  private readonly gpus: GpuAssigner;

  /** `gpus`: the machine's, as `nvidia-smi` lists them (none: no worker sees a GPU). */
  constructor(options: { dataDir: string; blobs: BlobStore; gpus?: readonly GpuInfo[] }) {
    this.gpus = new GpuAssigner(options.gpus ?? []);
    this.dataDir = resolve(options.dataDir);
    this.keyValueFiles = new KeyValueFiles(this.dataDir);
    this.blobs = options.blobs;
    this.folders = new WorkerFolders(join(this.dataDir, 'workers'));
    this.trees = new LocalTrees(options.blobs, this.dataDir, this.folders);
  }

  private workerDir(workerId: string): string {
    return this.folders.folder(workerId);
  }

  /** A manifest program's own folder (worker-folder.ts); the SDK's worker runs in the image's app folder. */
  private programDir(launch: WorkerLaunch, rootfs: string): string {
    return launch.program.kind === 'sdk' ? join(rootfs, 'app') : join(this.workerDir(launch.workerId), 'root');
  }

  async prepareImage(launch: WorkerLaunch, signal: AbortSignal): Promise<void> {
    if (launch.image.pull) await pullLayers(this.blobs, launch.image.pull, launch.image.layers, signal);
    await this.trees.ready(launch);
  }

  /** The worker's folder and env: built for its start, rebuilt alike (folder untouched) for `worker exec`. */
  private async places(launch: WorkerLaunch, trees: WorkerTrees, build: boolean): Promise<WorkerPlaces> {
    const { rootfs, volumes: volumePaths } = trees;
    const volumes: Record<string, { path: string; revision: string; ready: boolean }> = {};
    for (const volume of launch.volumes) volumes[volume.name] = { path: volumePaths.get(volume.name) as string, revision: volume.revision, ready: true };
    const cwd = this.programDir(launch, rootfs);
    const mounts: Record<string, string> = {};
    const folderMounts: FolderMount[] = [];
    for (const [index, mount] of launch.mounts.entries()) {
      const source =
        mount.kind === 'volume'
          ? volumePaths.get(mount.name)
          : build
            ? await this.keyValueFiles.write(launch.workerId, index, mount.data)
            : join(this.keyValueFiles.folderOf(launch.workerId), String(index));
      if (source === undefined) throw new Error(`mount ${mount.mountPath} names volume '${mount.name}', which the revision does not pin`);
      folderMounts.push({ path: mount.mountPath, source });
      mounts[mount.mountPath] = join(cwd, mount.mountPath);
    }
    if (build && launch.program.kind === 'command') {
      await buildWorkerFolder(cwd, join(rootfs, launch.image.workingDir), folderMounts);
    }
    return { volumes: JSON.stringify(volumes), mounts };
  }

  start(launch: WorkerLaunch, signal: AbortSignal): Promise<WorkerEndpoint> {
    return this.trees.startHolding(launch, (trees) => this.spawn(launch, trees, signal));
  }

  private async spawn(launch: WorkerLaunch, trees: WorkerTrees, signal: AbortSignal): Promise<WorkerEndpoint> {
    const { rootfs } = trees;
    const places = await this.places(launch, trees, true);
    signal.throwIfAborted();
    const ports = await allocatePorts(launch);
    const readiness: Readiness = launch.program.kind === 'sdk' ? { kind: 'sdk' } : { kind: 'command', path: launch.program.readinessPath };
    await writeEndpointFile(this.workerDir(launch.workerId), { servicePorts: ports.service, readiness });
    const fd = openSync(this.folders.logFile(launch.workerId), 'a');
    this.folders.startStamping(launch.workerId);
    const env = { ...workerEnv(launch, ports, places, this.dataDir, rootfs), CUDA_VISIBLE_DEVICES: this.gpus.assign(launch.workerId, launch.resources) };
    const { file, args } = programCommand(launch, rootfs, env);
    const child = spawn(file, args, {
      cwd: this.programDir(launch, rootfs),
      detached: true,
      stdio: ['ignore', fd, fd],
      // CPU and memory are not limited here: a child process gets no cgroup without root, and
      // an address-space rlimit breaks V8, which reserves far more than it uses (docs/autoscaling.md).
      env,
    });
    closeSync(fd);
    const pid = child.pid;
    if (pid === undefined) {
      // spawn reports a missing command as an 'error' event; its message says which.
      const why = await new Promise<string>((done) => child.once('error', (error) => done(error.message)));
      await this.cleanUp(launch.workerId);
      throw new Error(`its command did not start: ${why}`);
    }
    const endpoint = this.endpoint(launch.workerId, pid, ports);
    const exited = new Promise<void>((done) => {
      child.once('exit', (code, sig) => {
        this.running.delete(launch.workerId);
        void this.cleanUp(launch.workerId).finally(() => {
          this.emitExit({ workerId: launch.workerId, code, signal: sig });
          done();
        });
      });
    });
    this.running.set(launch.workerId, { endpoint, readiness, exited });
    return endpoint;
  }

  private endpoint(workerId: string, pid: number, ports: WorkerPorts): WorkerEndpoint {
    return { workerId, pid, port: ports.main, url: `http://127.0.0.1:${ports.main}`, servicePorts: ports.service };
  }

  /** What only a running worker needs: its GPUs, its secret files and its folder (its log stays, stamped to its end). */
  private async cleanUp(workerId: string): Promise<void> {
    await this.folders.stopStamping(workerId);
    this.gpus.release(workerId);
    this.trees.release(workerId);
    await this.keyValueFiles.remove(workerId);
    await fs.rm(join(this.workerDir(workerId), 'root'), { recursive: true, force: true });
  }

  async probe(endpoint: WorkerEndpoint, signal: AbortSignal): Promise<boolean> {
    const readiness = this.running.get(endpoint.workerId)?.readiness ?? { kind: 'sdk' };
    return probeWorker(endpoint, readiness, signal);
  }

  async exec(launch: WorkerLaunch, request: ExecRequest): Promise<ExecSession> {
    const worker = this.running.get(launch.workerId);
    if (!worker) throw new EveraiError('EVERAI_CONFLICT', `worker ${launch.workerId} is not running here`);
    const trees = await this.trees.ready(launch);
    const { rootfs } = trees;
    const places = await this.places(launch, trees, false);
    const { endpoint } = worker;
    const env = workerEnv(launch, { main: endpoint.port, service: endpoint.servicePorts }, places, this.dataDir, rootfs);
    // Not marked as the worker's own process: a restarted server must not take it for the worker.
    delete env[WORKER_ID_ENV];
    const [first = '', ...rest] = request.argv;
    return startExec({ argv: [commandFile(first, rootfs), ...rest], tty: request.tty, cwd: this.programDir(launch, rootfs), env });
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
      this.gpus.adopt(workerId, proc.visibleGpus);
      // What its start wrote down: its other ports and how to probe it (never its env).
      const { servicePorts, readiness } = await readEndpointFile(this.workerDir(workerId));
      const endpoint = this.endpoint(workerId, proc.pgid, { main: port, service: servicePorts });
      this.running.set(workerId, { endpoint, readiness, exited: this.watchAdopted(workerId, proc.pgid) });
      this.folders.startStamping(workerId);
      adopted.set(workerId, endpoint);
    }
    for (const orphan of found.values()) {
      signalGroup(orphan.pgid, 'SIGKILL');
      await this.cleanUp(orphan.workerId);
    }
    await this.trees.adopt(adopted.keys());
    return adopted;
  }

  /** An adopted worker is not our child: its end is seen by polling its process group. */
  private async watchAdopted(workerId: string, pgid: number): Promise<void> {
    await this.adopted.gone(() => groupAlive(pgid));
    this.running.delete(workerId);
    await this.cleanUp(workerId).finally(() => this.emitExit({ workerId, code: null, signal: null }));
  }

  removeUnused(before: number): Promise<string[]> {
    return this.trees.removeUnused(before);
  }

  onExit(listener: (exit: WorkerExit) => void): void {
    this.exitListeners.push(listener);
  }

  private emitExit(exit: WorkerExit): void {
    for (const listener of this.exitListeners) listener(exit);
  }

  onOutput(workerId: string, listener: () => void): () => void {
    return this.folders.onWrite(workerId, listener);
  }

  tailLog(workerId: string, lines: number): Promise<string> {
    return this.folders.tail(workerId, lines);
  }

  openLog(workerId: string): WorkerLogReader {
    return this.folders.openLog(workerId);
  }

  /** Stops watching; the workers themselves keep running unless stopped first. */
  async close(): Promise<void> {
    this.adopted.close();
    await this.folders.close();
  }
}
