import { z } from 'zod';
import { QUEUE_REASONS, WORKER_STATUSES } from './api-views';
import { ERROR_CATALOGUE, type ErrorCode } from './errors';

/**
 * The API's answers as zod schemas: api-views.ts takes its types from them (z.infer), and the
 * server's OpenAPI document (`GET /api/openapi.json`) is generated from them, so the types, the
 * document and what the server sends cannot drift apart. Only the server loads this file at run
 * time; the CLI and SDK import its types, and so never load zod for them.
 * A schema's `id` names it in the document's components.
 */

const placeholderSchema = z
  .object({ placeholder: z.object({ kind: z.enum(['Secret', 'ConfigMap']), name: z.string(), key: z.string() }) })
  .meta({ id: 'Placeholder', description: 'A value the platform reads from a secret or configmap when it needs it.' });

export const autoscalerSettingSchema = z
  .union([
    z.object({ kind: z.enum(['SimpleAutoScaler', 'FreeWorkerAutoScaler']), args: z.record(z.string(), z.union([z.number(), placeholderSchema])) }),
    z.object({ kind: z.literal('Manual'), args: z.object({ defaultWorkerNum: z.number() }) }),
  ])
  .meta({
    id: 'AutoscalerSetting',
    description: 'An app-level scaling setting (changing it rolls nothing out): a builtin autoscaler, or a manual count.',
  });

export const resourceRequestsViewSchema = z
  .object({
    cpuNum: z.number(),
    memoryMb: z.number(),
    gpuNum: z.number(),
    gpuConstraints: z.object({ models: z.array(z.string()).describe('GPU models the app can run on; any model when empty') }).nullable(),
  })
  .meta({ id: 'ResourceRequests', description: 'What each worker gets: CPUs, memory in MiB, GPUs.' });

const pinnedVolumeSchema = z.object({ name: z.string(), revision: z.string() });

export const whoAmIViewSchema = z.object({ id: z.string(), name: z.string(), isAdmin: z.boolean() }).meta({ id: 'WhoAmI' });

export const appViewSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    namespace: z.string(),
    status: z.string(),
    statusReason: z.string(),
    routeName: z.string().describe("The seed's route name, one app's across all users: `/api/apps/v1/routes/{routeName}/...`."),
    routeUrl: z.string().describe("The route's full URL, on the server as the caller reached it: what to curl (with the path after it)."),
    revision: z.number().describe('The revision every worker should run (a rollout moves them onto it).'),
    servingRevisions: z.array(z.number()).describe('The revisions of the workers taking requests now: the old and the new one during a rollout.'),
    image: z.string(),
    imageDigest: z.string(),
    volumes: z.array(pinnedVolumeSchema),
    resources: resourceRequestsViewSchema.nullable().describe('What each worker of `revision` gets; null while the app has no revision.'),
    workers: z
      .object({ ready: z.number(), desired: z.number(), byStatus: z.partialRecord(z.enum(WORKER_STATUSES), z.number()) })
      .describe('`ready` of `desired` run `revision`; `byStatus` counts every worker the server still has, by STATUS.'),
    concurrency: z.number(),
    routeAuth: z.string(),
    autoscaler: autoscalerSettingSchema.nullable().describe('Null: a fixed count.'),
    queueTimeoutSeconds: z.number().nullable().describe("Null: the server's default."),
    paused: z.boolean(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'App', description: 'An app as the API shows it.' });

export const revisionViewSchema = z
  .object({
    revision: z.number(),
    image: z.string(),
    imageDigest: z.string(),
    volumes: z.array(pinnedVolumeSchema),
    createdAt: z.string(),
    serving: z.boolean().describe('Ready workers run it: it takes requests now (during a rollout, the old and the new may both).'),
    target: z.boolean().describe("The revision the app's workers are brought to."),
    failure: z.string().describe("Why its rollout was halted (it failed); '' when it was not."),
  })
  .meta({ id: 'Revision', description: "One entry of an app's history." });

export const workerViewSchema = z
  .object({
    id: z.string(),
    status: z.string(),
    detailStatus: z.string(),
    createdAt: z.string(),
    deletedAt: z.string().nullable(),
    launchAt: z.string().nullable(),
    lastServeAt: z.string().nullable(),
    successCount: z.number(),
    failedCount: z.number(),
    sessionNumber: z.number(),
    CPUs: z.number(),
    memory: z.number(),
    GPUs: z.number(),
    appRevision: z.number(),
    replaceWorkerId: z.string().nullable(),
    statusReason: z.string(),
  })
  .meta({ id: 'Worker', description: "A worker with the reference API's field names (statuses: docs/worker-lifecycle.md)." });

export const logEntryViewSchema = z
  .object({
    time: z.string().describe('When the server received the line (RFC 3339, UTC, ms).'),
    workerId: z.string(),
    line: z.string(),
  })
  .meta({ id: 'LogEntry', description: 'One line a worker printed, as `app logs` streams it: one such object per NDJSON line.' });

export const metricSampleViewSchema = z
  .object({
    at: z.string().describe('When the sample was taken (RFC 3339, UTC).'),
    requestsPerSecond: z.number().describe('Requests answered per second since the sample before.'),
    p50Ms: z.number().nullable().describe('Median latency of the requests answered since the sample before, in ms; null when there were none.'),
    p99Ms: z.number().nullable(),
    queueLength: z.number().describe('Requests waiting for a worker at the moment of the sample.'),
    workers: z.number().describe('Live workers (not TERMINATED or ERROR) at the moment of the sample.'),
  })
  .meta({ id: 'MetricSample', description: "One point of an app's metric history, as the console's charts draw it." });

export const metricHistoryViewSchema = z
  .object({ intervalSeconds: z.number(), samples: z.array(metricSampleViewSchema).describe('The last hour, oldest first.') })
  .meta({ id: 'MetricHistory' });

export const eventRecordSchema = z
  .object({
    id: z.number(),
    appId: z.string(),
    type: z.enum(['NORMAL', 'WARNING']),
    from: z.string(),
    message: z.string(),
    createdAt: z.string(),
  })
  .meta({ id: 'Event', description: "One entry of an app's events (docs/events.md)." });

export const queuedRequestViewSchema = z
  .object({ index: z.number(), createdAt: z.string(), reason: z.enum(QUEUE_REASONS) })
  .meta({ id: 'QueuedRequest', description: 'A request waiting for a worker, and why it waits.' });

const gpuInfoSchema = z
  .object({ index: z.number().describe('What CUDA_VISIBLE_DEVICES names it by.'), model: z.string(), memoryMb: z.number() })
  .meta({ id: 'Gpu' });

export const machineResourcesSchema = z
  .object({ region: z.string(), cpu: z.object({ model: z.string(), count: z.number() }), memoryMb: z.number(), gpus: z.array(gpuInfoSchema) })
  .meta({ id: 'MachineResources', description: 'What this machine offers workers; one machine, one region.' });

export const userViewSchema = z
  .object({ id: z.string(), name: z.string(), isAdmin: z.boolean(), createdAt: z.string() })
  .meta({ id: 'User', description: 'A user as the API shows it: never the token hash.' });

export const namespaceViewSchema = z.object({ name: z.string(), createdAt: z.string() }).meta({ id: 'Namespace' });

export const errorBodySchema = z
  .object({
    error: z.object({
      code: z.enum(Object.keys(ERROR_CATALOGUE) as [ErrorCode, ...ErrorCode[]]).describe('docs/errors.md lists every code.'),
      message: z.string().describe('What the user reads.'),
      requestId: z.string().optional().describe('On an unexpected error (500): where to look in the server log.'),
    }),
  })
  .meta({ id: 'Error', description: 'Every error answer of the API, whatever its status.' });
