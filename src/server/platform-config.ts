import { join } from 'node:path';
import { DEFAULT_LISTEN, everaiHome } from '../contract/everai-home';
import type { DataPlaneChoice } from './gateway/data-plane-choice';
import type { LogFormat, LogLevel } from './logger';

export { DEFAULT_LISTEN, everaiHome };

export const RUNTIME_KINDS = ['container', 'process'] as const;
export type RuntimeKind = (typeof RUNTIME_KINDS)[number];

export interface PlatformOptions {
  /** HOST:PORT; port 0 picks a free one. Binds to loopback unless told otherwise. */
  listen: string;
  dataDir: string;
  /** A `postgres://` URL for the state store; absent: SQLite in `dataDir`. */
  storeUrl?: string;
  /** The admin token to create on first start; generated when absent. */
  adminToken?: string;
  /** A token that may read `/metrics` and nothing else, besides the admin's; absent: only admins may. */
  metricsToken?: string;
  /** Largest request body the gateway forwards to a worker. */
  maxRequestBodyBytes: number;
  /** How long a request may wait in an app's queue before a 503. */
  queueTimeoutMs: number;
  /** How often each app's builtin autoscaler decides (docs/autoscaling.md). */
  autoscaleIntervalMs: number;
  /** How long `app events` keeps an event. */
  eventRetentionMs: number;
  /** How long an unpacked image or volume tree that no worker uses stays on disk (0: until the next sweep, a second on). */
  unpackedRetentionMs: number;
  /** How long a TERMINATED or ERROR worker stays listed (with its folder and log). */
  workerRetentionMs: number;
  /** Where workers run: OCI containers, or (for development) bare processes. */
  runtime: RuntimeKind;
  /**
   * What forwards app requests to workers: HAProxy (which the server starts and supervises) on the
   * listen address, with the Node server behind it on loopback, or the Node gateway alone; `auto`:
   * HAProxy where it is installed.
   */
  dataPlane: DataPlaneChoice;
  /** The server log's lines: text or JSON, and the least level written. */
  logFormat: LogFormat;
  logLevel: LogLevel;
}

export function defaultPlatformOptions(): PlatformOptions {
  return {
    listen: DEFAULT_LISTEN,
    dataDir: join(everaiHome(), 'server'),
    maxRequestBodyBytes: 100 * 1024 * 1024,
    queueTimeoutMs: 60_000,
    autoscaleIntervalMs: 2000,
    eventRetentionMs: 7 * 24 * 3600_000,
    workerRetentionMs: 7 * 24 * 3600_000,
    unpackedRetentionMs: 3600_000,
    runtime: process.env.EVERAI_RUNTIME === 'process' ? 'process' : 'container',
    dataPlane: 'auto',
    logFormat: 'text',
    logLevel: 'info',
  };
}
