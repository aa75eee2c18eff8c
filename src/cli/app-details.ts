import type { PlaceholderDocument, ResourceRequestsDocument } from '../contract/app-spec';
import { WORKER_STATUSES, type AppView, type AutoscalerSetting } from '../contract/api-views';
import { formatTime } from '../contract/time';
import type { DetailRow } from './detail-view';

/** The autoscaler's arguments in the order a reader wants them, with their units (docs/autoscaling.md). */
const ARG_LABELS: Record<string, { label: string; unit?: string }> = {
  minWorkers: { label: 'Min workers' },
  maxWorkers: { label: 'Max workers' },
  minFreeWorkers: { label: 'Min free workers' },
  maxQueueSize: { label: 'Max queue size' },
  scaleUpStep: { label: 'Scale-up step' },
  maxIdleTime: { label: 'Max idle time', unit: 's' },
  defaultWorkerNum: { label: 'Workers' },
};

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function argValue(value: number | PlaceholderDocument, unit: string | undefined): string {
  if (typeof value === 'number') return unit ? `${value} ${unit}` : String(value);
  const { kind, name, key } = value.placeholder;
  return `from ${kind} ${name}, key ${key}`;
}

function autoscalerRow(autoscaler: AutoscalerSetting | null): DetailRow {
  if (!autoscaler) return { label: 'Autoscaler', value: 'none (a fixed count; `everai worker scale-up` / `scale-down` change it)' };
  const args: Record<string, number | PlaceholderDocument> = autoscaler.args;
  const known = Object.keys(ARG_LABELS).filter((key) => key in args);
  const keys = [...known, ...Object.keys(args).filter((key) => !(key in ARG_LABELS))];
  return {
    label: 'Autoscaler',
    value: autoscaler.kind,
    rows: keys.map((key) => ({ label: ARG_LABELS[key]?.label ?? key, value: argValue(args[key] as number | PlaceholderDocument, ARG_LABELS[key]?.unit) })),
  };
}

function resourcesText(resources: ResourceRequestsDocument | null): string {
  if (!resources) return '';
  const models = resources.gpuConstraints?.models ?? [];
  const gpus = plural(resources.gpuNum, 'GPU') + (models.length > 0 ? ` (${models.join(', ')})` : '');
  return `${plural(resources.cpuNum, 'CPU')}, ${resources.memoryMb} MiB memory, ${gpus}`;
}

/** `everai app get NAME`: everything about one app a user needs to use it and to see how it runs. */
export function appDetails(app: AppView): DetailRow[] {
  const rows: DetailRow[] = [
    { label: 'Name', value: app.name },
    { label: 'Namespace', value: app.namespace },
    { label: 'Status', value: app.status },
  ];
  if (app.statusReason) rows.push({ label: 'Reason', value: app.statusReason });
  const statuses = WORKER_STATUSES.filter((status) => app.workers.byStatus[status]);
  rows.push(
    { label: 'Revision', value: String(app.revision) },
    { label: 'Serving', value: app.servingRevisions.length > 0 ? `${app.servingRevisions.length > 1 ? 'revisions' : 'revision'} ${app.servingRevisions.join(', ')}` : 'none (no worker is ready)' },
    { label: 'Image', value: app.image },
    { label: 'Image digest', value: app.imageDigest },
    { label: 'Route name', value: app.routeName },
    { label: 'URL', value: app.routeUrl },
    {
      label: 'Route auth',
      value: app.routeAuth === 'public' ? 'public (no token needed)' : 'private (Authorization: Bearer TOKEN; `everai token` shows yours)',
    },
    {
      label: 'Volumes',
      value: app.volumes.length > 0 ? '' : 'none',
      rows: app.volumes.map((v) => ({ label: v.name, value: v.revision })),
    },
    { label: 'Resources', value: resourcesText(app.resources) },
    autoscalerRow(app.autoscaler),
    { label: 'Concurrency', value: `${plural(app.concurrency, 'request')} at once per worker` },
    { label: 'Queue timeout', value: app.queueTimeoutSeconds === null ? "the server's default" : `${app.queueTimeoutSeconds} s` },
    {
      label: 'Workers',
      value: `${app.workers.ready}/${app.workers.desired} ready`,
      rows: statuses.map((status) => ({ label: status, value: String(app.workers.byStatus[status]) })),
    },
    { label: 'Created at', value: formatTime(app.createdAt) },
    { label: 'Updated at', value: formatTime(app.updatedAt) },
  );
  return rows;
}
