import type { ResourceRequestsDocument } from '../../contract/app-spec';
import type { ProgramSpec } from '../store/records';

/**
 * The worker runtime: where and how a worker's process runs. Child processes on this machine are
 * the embedded default (runtime/process); Kubernetes pods come later behind the same interface.
 * The worker lifecycle it serves is written down in docs/worker-lifecycle.md.
 */

export interface ImageLayerRef {
  digest: string;
  mediaType: string;
}

/** One file of a volume revision: its place in the volume and the blob that holds its bytes. */
export interface VolumeFileRef {
  path: string;
  digest: string;
}

/** A volume revision a worker sees, read-only, holding exactly that revision's files. */
export interface VolumeMount {
  name: string;
  volumeId: string;
  revision: string;
  files: VolumeFileRef[];
}

/** An image on another registry: where the runtime pulls the layers its blob store lacks. */
export interface ImagePullSource {
  host: string;
  repository: string;
  credentials: { username: string; password: string } | undefined;
}

/** A mount in the worker's folder (docs/manifest.md, "Mounts"): a volume of `volumes`, or a secret's or configmap's keys as files. */
export type LaunchMount =
  | { mountPath: string; kind: 'volume'; name: string }
  | { mountPath: string; kind: 'Secret' | 'ConfigMap'; name: string; data: Record<string, string> };

export interface WorkerLaunch {
  workerId: string;
  appId: string;
  image: {
    digest: string;
    layers: ImageLayerRef[];
    /** The image config's WorkingDir: where a command program runs. */
    workingDir: string;
    /** The image config's Entrypoint and Cmd: what an SDK image runs in a container. */
    entrypoint: string[];
    cmd: string[];
    /** The image config's Env (`NAME=value`) and User (`uid[:gid]` or names), empty for root. */
    env: string[];
    user: string;
    pull?: ImagePullSource;
  };
  /** The app's entry file inside the image's app folder. */
  appFile: string;
  program: ProgramSpec;
  env: Record<string, string>;
  volumes: VolumeMount[];
  /** What the worker asked for: the runtime gives it its GPUs and what limits it can. */
  resources: ResourceRequestsDocument;
  mounts: LaunchMount[];
}

/** Where a started worker listens: `url` is on loopback for a process, on the container's own address for a container. */
export interface WorkerEndpoint {
  workerId: string;
  pid: number;
  port: number;
  url: string;
  /** Each port the program declared (`services`) → the port it really listens on. */
  servicePorts: Record<string, number>;
}

/** `everai worker exec` (docs/exec.md): a command in a running worker's folder, env and mounts. */
export interface ExecRequest {
  argv: string[];
  /** A pseudo-terminal, `rows` x `cols`. */
  tty: { rows: number; cols: number } | null;
}

export interface ExecSession {
  stdin: NodeJS.WritableStream;
  stdout: NodeJS.ReadableStream;
  stderr: NodeJS.ReadableStream;
  /** A new window size for the terminal (nothing without one). */
  resize(rows: number, cols: number): void;
  /** The exit code (128 + signal number when a signal ended it). */
  exited: Promise<number>;
  /** Ends the command and what it started (the client went away). */
  kill(): void;
}

/** A line a worker printed (without its newline, bytes as printed), and when the server received it (ISO 8601, UTC, ms). */
export interface LogLine {
  time: string;
  text: Buffer;
}

export interface WorkerLogReader {
  /**
   * The lines that arrived since the last call (all there are, the first time). `final`: the last
   * call, so a line still waiting for its newline is given as it is.
   */
  next(final: boolean): Promise<LogLine[]>;
}

export interface WorkerExit {
  workerId: string;
  code: number | null;
  signal: string | null;
  /** The kernel killed it for going past its memory limit. */
  oomKilled?: boolean;
}

export interface Runtime {
  readonly node: string;
  /** Gets the image ready for a worker (unpacked once per digest); separate so status can show it. */
  prepareImage(launch: WorkerLaunch, signal: AbortSignal): Promise<void>;
  /** Starts the worker's process; resolves once it runs (not once it is ready). */
  start(launch: WorkerLaunch, signal: AbortSignal): Promise<WorkerEndpoint>;
  /** Starts a command beside a running worker's process, with its folder, env and mounts. */
  exec(launch: WorkerLaunch, request: ExecRequest): Promise<ExecSession>;
  /** One readiness check: true once the worker answers its readiness path with 200 (or accepts connections when it has none). */
  probe(endpoint: WorkerEndpoint, signal: AbortSignal): Promise<boolean>;
  /**
   * Calls `listener` each time a running worker's program writes output; returns how to stop.
   * Output is the likeliest sign that a starting worker just became ready (the SDK's prints
   * `serving app` once it listens), so the controller probes then, not at its next tick; the
   * probe still decides. A runtime that cannot tell leaves it out, and its workers are probed on the clock.
   */
  onOutput?(workerId: string, listener: () => void): () => void;
  /** SIGTERM, then SIGKILL of everything the worker started once `graceMs` has passed. */
  stop(workerId: string, graceMs: number): Promise<void>;
  /**
   * After a server start: takes back the workers in `expected` that still run, and kills every
   * other worker process this server's data folder owns (orphans of a crash).
   */
  recover(expected: { workerId: string; port: number | null }[]): Promise<Map<string, WorkerEndpoint>>;
  /**
   * Removes what the runtime keeps on this machine for workers (unpacked images, volume trees) that
   * no worker it runs uses and nobody asked for since `before` (ms since the epoch); returns what
   * went. Removes nothing until `recover` has run: before, it does not know what runs.
   */
  removeUnused(before: number): Promise<string[]>;
  /**
   * Called once for every worker whose process ends, whether asked to or not, and only once it
   * ended: everything it printed is in its log by then, so `tailLog` reads its last words.
   */
  onExit(listener: (exit: WorkerExit) => void): void;
  /** The last lines a worker printed (so far, while it runs), for events about its failure. */
  tailLog(workerId: string, lines: number): Promise<string>;
  /** What a worker printed (stdout and stderr), line by line with times, read on from where it left off at each call. */
  openLog(workerId: string): WorkerLogReader;
  close(): Promise<void>;
}
