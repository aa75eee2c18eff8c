import { randomUUID } from 'node:crypto';
import { closeSync, openSync, promises as fs } from 'node:fs';
import { join, posix, resolve } from 'node:path';
import { EveraiError } from '../../../contract/errors';
import type { BlobStore } from '../../blobs/blob-store';
import { pullLayers } from '../../registry/remote/remote-image';
import type { GpuInfo } from '../../resources/machine-resources';
import type { ExecRequest, ExecSession, Runtime, WorkerEndpoint, WorkerExit, WorkerLaunch, WorkerLogReader } from '../runtime';
import { startExec } from '../local/exec-session';
import { expandVars } from '../local/expand-vars';
import { GpuAssigner } from '../local/gpu-assigner';
import { LocalTrees, type WorkerTrees } from '../local/local-trees';
import { KeyValueFiles } from '../local/key-value-files';
import { platformEnv, type WorkerPorts } from '../local/platform-env';
import { WorkerFolders } from '../local/worker-log';
import { probeWorker, type Readiness } from '../local/worker-readiness';
import { wasOomKilled } from './cgroup-oom';
import { containerSpec } from './container-spec';
import { writeEtcFiles } from './etc-files';
import { gpuEdits } from './gpu-devices';
import { readHostGpuFacts } from './host-gpu-facts';
import type { GpuEdits } from './oci-spec';
import type { HostGpuFacts } from './gpu-facts';
import { resolveImageUser } from './image-user';
import { OciRuntimeCli } from './oci-runtime-cli';
import { bundlesRoot, exitsRoot, runcRoot, serverTag } from './server-containers';
import type { ContainerMonitor } from './container-monitor';
import { ConmonMonitor } from './conmon-monitor';
import { ExitFiles } from './exit-files';
import { SpawnHelper } from './spawn-helper';
import { RuncMonitor } from './runc-monitor';
import { WorkerNetwork, type WorkerAddress } from './worker-network';
import { ifExists } from '../../../contract/if-exists';

/** The port an SDK worker listens on inside its own network namespace (a manifest names its own). */
const SDK_PORT = 8080;
/** Processes and threads a worker may have at once: a fork bomb stops here. */
const PIDS_LIMIT = 1024;
/** Where SDK workers find their volumes and the init process, on the /run tmpfs (never in the image). */
const VOLUMES_DIR = '/run/everai/volumes';
const INIT_PATH = '/run/everai/init';
const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** What a restarted server needs to adopt a container: written at its start, never secret. */
interface ContainerRecord {
  slot: number;
  ip: string;
  port: number;
  servicePorts: Record<string, number>;
  readiness: Readiness;
  gpus: string;
}

interface RunningContainer {
  endpoint: WorkerEndpoint;
  record: ContainerRecord;
  exited: Promise<void>;
}

export interface ContainerRuntimeOptions {
  dataDir: string;
  blobs: BlobStore;
  /** The OCI runtime binary (runc or crun). */
  ociRuntime: string;
  /** conmon, to stay beside each container as its monitor; none: runc itself, in the foreground. */
  conmon: string | undefined;
  /** A static init (tini) run as each container's PID 1, so SIGTERM reaches programs that set no handler; none: the program is PID 1. */
  init: string | undefined;
  gpus?: readonly GpuInfo[];
}

/**
 * Workers as OCI containers on this machine (docs/isolation.md): the image's unpacked layers as a
 * read-only `/`, shared by every worker of that image; its own pid, mount, ipc, uts and network
 * namespaces; cgroup limits from its resource requests; volumes and secret files bound read-only.
 * A monitor (conmon, else runc in the foreground) stays beside each container, the program writes
 * its output straight into the worker's log file, and a container outlives a server crash: the
 * next start adopts it.
 */
export class ContainerRuntime implements Runtime {
  readonly node = 'local';
  private readonly dataDir: string;
  private readonly cli: OciRuntimeCli;
  private readonly monitor: ContainerMonitor;
  private readonly network: WorkerNetwork;
  private readonly trees: LocalTrees;
  private readonly keyValueFiles: KeyValueFiles;
  private readonly gpus: GpuAssigner;
  /** Names this server's cgroups and runc state apart from another server's on the same machine. */
  private readonly tag: string;
  private readonly folders: WorkerFolders;
  private readonly running = new Map<string, RunningContainer>();
  /** Starts conmon and `ip` on a worker's start path, which the server would block its event loop to fork (spawn-helper.ts). */
  private readonly spawner = new SpawnHelper();
  private readonly exitListeners: ((exit: WorkerExit) => void)[] = [];
  /** Read when a worker first asks for a GPU: most servers never do. */
  private gpuFacts: Promise<HostGpuFacts> | undefined;

  constructor(private readonly options: ContainerRuntimeOptions) {
    this.dataDir = resolve(options.dataDir);
    this.tag = serverTag(this.dataDir);
    this.cli = new OciRuntimeCli(options.ociRuntime, runcRoot(this.tag));
    this.monitor = options.conmon ? new ConmonMonitor(options.conmon, this.cli, new ExitFiles(exitsRoot(this.tag)), this.spawner) : new RuncMonitor(this.cli);
    this.network = new WorkerNetwork(this.dataDir, this.spawner);
    this.keyValueFiles = new KeyValueFiles(this.dataDir);
    this.gpus = new GpuAssigner(options.gpus ?? []);
    this.folders = new WorkerFolders(join(this.dataDir, 'workers'));
    this.trees = new LocalTrees(options.blobs, this.dataDir, this.folders);
  }

  private workerDir(workerId: string): string {
    return this.folders.folder(workerId);
  }

  /** The container's config holds its env, secrets included: on a tmpfs, never on disk. */
  private bundleDir(workerId: string): string {
    return join(bundlesRoot(this.tag), workerId);
  }

  private cgroupsPath(workerId: string): string {
    return `/everai/${this.tag}/${workerId}`;
  }

  async prepareImage(launch: WorkerLaunch, signal: AbortSignal): Promise<void> {
    if (launch.image.pull) await pullLayers(this.options.blobs, launch.image.pull, launch.image.layers, signal);
    await this.trees.ready(launch);
  }

  start(launch: WorkerLaunch, signal: AbortSignal): Promise<WorkerEndpoint> {
    return this.trees.startHolding(launch, (trees) => this.run(launch, trees, signal));
  }

  private async run(launch: WorkerLaunch, trees: WorkerTrees, signal: AbortSignal): Promise<WorkerEndpoint> {
    const { workerId } = launch;
    const user = await resolveImageUser(trees.rootfs, launch.image.user);
    signal.throwIfAborted();
    const address = await this.network.create(workerId);
    try {
      const ports = portsOf(launch);
      const record: ContainerRecord = {
        slot: address.slot,
        ip: address.ip,
        port: ports.main,
        servicePorts: ports.service,
        readiness: launch.program.kind === 'sdk' ? { kind: 'sdk' } : { kind: 'command', path: launch.program.readinessPath },
        gpus: this.gpus.assign(workerId, launch.resources),
      };
      const bundle = this.bundleDir(workerId);
      await fs.mkdir(bundle, { recursive: true, mode: 0o700 });
      await fs.mkdir(this.workerDir(workerId), { recursive: true });
      await fs.writeFile(join(this.workerDir(workerId), 'container.json'), JSON.stringify(record));
      const spec = await this.spec(launch, trees, user, address, ports, record.gpus);
      await fs.writeFile(join(bundle, 'config.json'), JSON.stringify(spec));
      const logFile = this.folders.logFile(workerId);
      // The stamper watches the file: it must exist first.
      closeSync(openSync(logFile, 'a'));
      this.folders.startStamping(workerId);
      const started = await this.monitor.start(workerId, bundle, logFile);
      const endpoint = this.endpoint(workerId, started.pid, record);
      const exited = started.exit.then((exit) => this.ended(workerId, record, exit));
      this.running.set(workerId, { endpoint, record, exited });
      return endpoint;
    } catch (error) {
      await this.network.release(address.slot);
      await this.cleanUp(workerId);
      throw error;
    }
  }

  /** The container's config: the image's program and env, the platform's env, mounts and limits. */
  private async spec(launch: WorkerLaunch, trees: WorkerTrees, user: { uid: number; gid: number }, address: WorkerAddress, ports: WorkerPorts, gpus: string) {
    const { workerId, image } = launch;
    const workingDir = posix.resolve('/', image.workingDir);
    const binds: { source: string; destination: string }[] = [];
    const volumes: Record<string, { path: string; revision: string; ready: boolean }> = {};
    const volumePaths = trees.volumes;
    for (const volume of launch.volumes) {
      const source = volumePaths.get(volume.name) as string;
      const path = `${VOLUMES_DIR}/${volume.name}`;
      binds.push({ source, destination: path });
      volumes[volume.name] = { path, revision: volume.revision, ready: true };
    }
    const mounts: Record<string, string> = {};
    for (const [index, mount] of launch.mounts.entries()) {
      const source = mount.kind === 'volume' ? volumePaths.get(mount.name) : await this.keyValueFiles.write(workerId, index, mount.data, user);
      if (source === undefined) throw new Error(`mount ${mount.mountPath} names volume '${mount.name}', which the revision does not pin`);
      const destination = posix.join(workingDir, mount.mountPath);
      binds.push({ source, destination });
      mounts[mount.mountPath] = destination;
    }
    binds.push(...(await writeEtcFiles(join(this.workerDir(workerId), 'etc'), workerId, address.ip)));
    const imageEnv = Object.fromEntries(image.env.map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
    const env = platformEnv({ PATH: DEFAULT_PATH, HOME: '/', ...imageEnv, HOSTNAME: workerId }, launch, ports, { volumes: JSON.stringify(volumes), mounts });
    const gpu = await this.gpuEditsFor(gpus);
    // The driver's folders go before the image's own, which the image may need too.
    if (gpu?.env.LD_LIBRARY_PATH && env.LD_LIBRARY_PATH) gpu.env.LD_LIBRARY_PATH = `${gpu.env.LD_LIBRARY_PATH}:${env.LD_LIBRARY_PATH}`;
    const program = launch.program.kind === 'sdk' ? [...image.entrypoint, ...image.cmd] : launch.program.argv;
    if (program.length === 0) throw new Error(`image ${image.digest} has no Entrypoint or Cmd: rebuild it with \`everai image build\`, which puts the app on a Node base`);
    const args = program.map((word) => expandVars(word, env));
    if (this.options.init) binds.push({ source: this.options.init, destination: INIT_PATH });
    return containerSpec({
      rootfs: trees.rootfs,
      hostname: workerId,
      args: this.options.init ? [INIT_PATH, '--', ...args] : args,
      env,
      cwd: workingDir,
      user,
      binds,
      netnsPath: address.netnsPath,
      cgroupsPath: this.cgroupsPath(workerId),
      cpuNum: launch.resources.cpuNum,
      memoryMb: launch.resources.memoryMb,
      pidsLimit: PIDS_LIMIT,
      scratchMb: scratchMb(launch.resources.memoryMb),
      gpu,
    });
  }

  /** The device nodes, driver libraries and env of the GPUs assigned (host indexes, comma-separated). */
  private async gpuEditsFor(gpus: string): Promise<GpuEdits | null> {
    if (gpus === '') return null;
    const facts = await (this.gpuFacts ??= readHostGpuFacts());
    return gpuEdits(facts, gpus.split(',').map(Number));
  }

  private endpoint(workerId: string, pid: number, record: ContainerRecord): WorkerEndpoint {
    return { workerId, pid, port: record.port, url: `http://${record.ip}:${record.port}`, servicePorts: record.servicePorts };
  }

  /**
   * The container ended: whether memory killed it, then the listeners hear of it (the gateway
   * forgets its address) before that address is freed, then everything it held goes.
   */
  private async ended(workerId: string, record: ContainerRecord, exit: Omit<WorkerExit, 'workerId'>): Promise<void> {
    this.running.delete(workerId);
    const oomKilled = await wasOomKilled(this.cgroupsPath(workerId));
    await this.cli.delete(workerId);
    for (const listener of this.exitListeners) listener({ workerId, ...exit, oomKilled });
    await this.network.release(record.slot);
    await this.cleanUp(workerId);
  }

  /** What only a running container needs (its log stays for `worker logs`, stamped to its end). */
  private async cleanUp(workerId: string): Promise<void> {
    await this.folders.stopStamping(workerId);
    this.gpus.release(workerId);
    this.trees.release(workerId);
    await this.keyValueFiles.remove(workerId);
    await this.monitor.forget(workerId);
    const dir = this.workerDir(workerId);
    await Promise.all([this.bundleDir(workerId), join(dir, 'etc'), join(dir, 'container.json')].map((path) => fs.rm(path, { recursive: true, force: true })));
  }

  async probe(endpoint: WorkerEndpoint, signal: AbortSignal): Promise<boolean> {
    const readiness = this.running.get(endpoint.workerId)?.record.readiness ?? { kind: 'sdk' };
    return probeWorker(endpoint, readiness, signal);
  }

  async exec(launch: WorkerLaunch, request: ExecRequest): Promise<ExecSession> {
    if (!this.running.has(launch.workerId)) throw new EveraiError('EVERAI_CONFLICT', `worker ${launch.workerId} is not running here`);
    const env = { PATH: process.env.PATH ?? DEFAULT_PATH };
    // runc's exec takes the container's own env, working folder, user and limits.
    if (request.tty === null) return startExec({ argv: this.cli.execArgv(launch.workerId, request.argv), tty: null, cwd: '/', env });
    // With a terminal, the container's process with the size asked: runc sizes the terminal
    // before the command starts, where its later resize could come after a quick command ran.
    const spec = JSON.parse(await fs.readFile(join(this.bundleDir(launch.workerId), 'config.json'), 'utf8')) as { process: object };
    const processFile = join(this.bundleDir(launch.workerId), `exec-${randomUUID()}.json`);
    const execProcess = { ...spec.process, args: request.argv, terminal: true, consoleSize: { height: request.tty.rows, width: request.tty.cols } };
    await fs.writeFile(processFile, JSON.stringify(execProcess), { mode: 0o600 });
    const session = await startExec({ argv: this.cli.execProcessArgv(launch.workerId, processFile), tty: request.tty, cwd: '/', env }).catch(async (error: unknown) => {
      await fs.rm(processFile, { force: true });
      throw error;
    });
    void session.exited.finally(() => fs.rm(processFile, { force: true }));
    return session;
  }

  async stop(workerId: string, graceMs: number): Promise<void> {
    const container = this.running.get(workerId);
    if (!container) return;
    await this.cli.kill(workerId, 'TERM');
    const timer = setTimeout(() => void this.cli.kill(workerId, 'KILL'), graceMs);
    await container.exited;
    clearTimeout(timer);
  }

  async recover(expected: { workerId: string; port: number | null }[]): Promise<Map<string, WorkerEndpoint>> {
    // Only workers the store saw running (a port recorded): one whose start a crash cut short, between
    // runc and that record, is an orphan like any other, or the controller would wait on it forever.
    const wanted = new Set(expected.filter((w) => w.port !== null).map((w) => w.workerId));
    const adopted = new Map<string, WorkerEndpoint>();
    const claims = await this.network.claimed();
    for (const container of await this.cli.list()) {
      const record = await readRecord(this.workerDir(container.id));
      if (wanted.has(container.id) && record && container.status === 'running') {
        this.gpus.adopt(container.id, record.gpus);
        const endpoint = this.endpoint(container.id, container.pid, record);
        this.running.set(container.id, { endpoint, record, exited: this.watchAdopted(container.id, container.pid, record) });
        this.folders.startStamping(container.id);
        adopted.set(container.id, endpoint);
        claims.delete(container.id);
        continue;
      }
      // An orphan of a crash, or one that ended while no server watched it.
      await this.cli.delete(container.id);
      await this.cleanUp(container.id);
    }
    for (const slot of claims.values()) await this.network.release(slot);
    await this.trees.adopt(adopted.keys());
    return adopted;
  }

  /** An adopted container's end, as its monitor tells it. */
  private watchAdopted(workerId: string, pid: number, record: ContainerRecord): Promise<void> {
    return this.monitor.adopt(workerId, pid).then((exit) => this.ended(workerId, record, exit));
  }

  removeUnused(before: number): Promise<string[]> {
    return this.trees.removeUnused(before);
  }

  onExit(listener: (exit: WorkerExit) => void): void {
    this.exitListeners.push(listener);
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

  /** Stops watching; the containers keep running unless stopped first. */
  async close(): Promise<void> {
    this.monitor.close();
    await this.folders.close();
    await this.network.close();
    this.spawner.close();
  }
}

/** In its own namespace a worker may listen on the port its manifest declares; an SDK worker gets a fixed one. */
function portsOf(launch: WorkerLaunch): WorkerPorts {
  if (launch.program.kind === 'sdk') return { main: SDK_PORT, service: {} };
  return { main: launch.program.port, service: Object.fromEntries(launch.program.servicePorts.map((port) => [String(port), port])) };
}

/** /tmp is memory-backed and so counts against the memory limit too; a quarter of it, at least 64 MiB. */
function scratchMb(memoryMb: number): number {
  return Math.max(64, Math.floor(memoryMb / 4));
}


async function readRecord(workerDir: string): Promise<ContainerRecord | undefined> {
  const text = await ifExists(fs.readFile(join(workerDir, 'container.json'), 'utf8'));
  return text === undefined ? undefined : (JSON.parse(text) as ContainerRecord);
}
