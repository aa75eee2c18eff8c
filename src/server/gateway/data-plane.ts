import type { AppRecord } from '../store/records';
import type { QueueReason } from '../../contract/api-views';

/** How long either data plane keeps a client's idle keep-alive connection; clients are told so (`Keep-Alive: timeout=65`). */
export const CLIENT_KEEP_ALIVE_MS = 65_000;

/** How busy one worker is, as the data plane sees it. */
export interface SlotLoad {
  inflight: number;
  concurrency: number;
  draining: boolean;
  sessions: number;
  successCount: number;
  failedCount: number;
  lastServeAt: string | null;
}

export interface ReadyWorker {
  id: string;
  revision: number;
  url: string;
  servicePorts: Record<string, number>;
}

/**
 * What the controller, the autoscaler and the API tell the data plane and read from it: which apps
 * and workers exist, and how busy each is. The Node gateway is one; HAProxy in front of it another.
 */
export interface DataPlane {
  onStarved(listener: (appId: string) => void): void;
  /** Resolves once the app's settings are in effect (HAProxy may need a reload for them). */
  syncApp(app: AppRecord): Promise<void>;
  removeApp(appId: string): Promise<void>;
  /** The apps it routes (synced and not removed since). */
  appIds(): string[];
  addWorker(app: AppRecord, worker: ReadyWorker): void;
  /**
   * Sends the worker nothing new and resolves once it holds nothing (or, at the deadline, with how
   * many requests it cut). `stopped` is called as soon as no new request can reach it.
   */
  drainWorker(appId: string, workerId: string, deadlineMs: number, stopped?: () => void): Promise<{ cut: number }>;
  removeWorker(appId: string, workerId: string): Promise<void>;
  load(appId: string, workerId: string): SlotLoad | undefined;
  queue(appId: string): { index: number; createdAt: string; reason: QueueReason }[];
  queueLengths(): { app: string; reason: QueueReason; length: number }[];
  appName(appId: string): string | undefined;
  close(): Promise<void>;
}
