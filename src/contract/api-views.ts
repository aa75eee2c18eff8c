import type { z } from 'zod';
import type * as schemas from './api-view-schemas';

/**
 * What the server's API answers and the CLI prints: the views themselves. Each type is its zod
 * schema's (api-view-schemas.ts), which the OpenAPI document is generated from. The server builds
 * them (src/server/api/views.ts, the store's records); the CLI and tests only read them.
 */

/** A worker's STATUS, in the order of its lifecycle (docs/worker-lifecycle.md). */
export const WORKER_STATUSES = ['CREATED', 'INITIALIZED', 'PENDING', 'RUNNING', 'TERMINATING', 'TERMINATED', 'ERROR', 'UNAVAILABLE'] as const;
export type WorkerStatus = (typeof WORKER_STATUSES)[number];

/** Why a request waits in an app's queue. */
export const QUEUE_REASONS = ['WorkerBusy', 'NotDispatch', 'QueueDueSession'] as const;
export type QueueReason = (typeof QUEUE_REASONS)[number];

/**
 * An app's scaling, app-level (changing it rolls nothing out): a builtin autoscaler whose
 * arguments are numbers or Placeholders read at each decision, or a manual count.
 */
export type AutoscalerSetting = z.infer<typeof schemas.autoscalerSettingSchema>;
/** `GET /api/v1/whoami`: who a token belongs to. */
export type WhoAmIView = z.infer<typeof schemas.whoAmIViewSchema>;
export type AppView = z.infer<typeof schemas.appViewSchema>;
/** One entry of an app's history (`app revisions`). */
export type RevisionView = z.infer<typeof schemas.revisionViewSchema>;
export type WorkerView = z.infer<typeof schemas.workerViewSchema>;
export type LogEntryView = z.infer<typeof schemas.logEntryViewSchema>;
/** One point of an app's metric history (`GET .../apps/NAME/metrics`, the console's charts). */
export type MetricSampleView = z.infer<typeof schemas.metricSampleViewSchema>;
export type EventRecord = z.infer<typeof schemas.eventRecordSchema>;
export type EventType = EventRecord['type'];
export type QueuedRequestView = z.infer<typeof schemas.queuedRequestViewSchema>;
/** What this machine offers workers (`everai resources`, docs/autoscaling.md, "Resources"). */
export type MachineResources = z.infer<typeof schemas.machineResourcesSchema>;
export type GpuInfo = MachineResources['gpus'][number];
export type UserView = z.infer<typeof schemas.userViewSchema>;
export type NamespaceView = z.infer<typeof schemas.namespaceViewSchema>;
