import type { AppView, EventRecord, RevisionView, WorkerView } from '../../contract/api-views';
import { ago, badge, h, table, time } from '../dom';
import { appHref } from './apps';

/** The parts of the app page that are redrawn on every poll: pure functions of what the API said. */

/** `STATUS_RUNNING` → `RUNNING`, `DETAIL_STATUS_FREE` → `FREE`, as `everai worker list` prints them. */
export const plainStatus = (status: string) => status.replace(/^(DETAIL_)?STATUS_/, '');

const TERMINAL = new Set(['TERMINATED', 'ERROR']);

const workerHref = (app: AppView, id: string) => `${appHref(app)}/workers/${encodeURIComponent(id)}`;

/** Live workers first (newest on top), then the ended ones. */
export function workersTable(app: AppView, workers: WorkerView[]): HTMLElement {
  const sorted = [...workers].sort((a, b) => {
    const ended = Number(TERMINAL.has(plainStatus(a.status))) - Number(TERMINAL.has(plainStatus(b.status)));
    return ended !== 0 ? ended : b.createdAt.localeCompare(a.createdAt);
  });
  const rows = sorted.map((w) => {
    const status = plainStatus(w.status);
    const detail = plainStatus(w.detailStatus);
    return h(
      'tr',
      { 'data-worker': w.id, 'data-revision': w.appRevision, 'data-status': status, 'data-detail': detail, class: TERMINAL.has(status) ? 'ended' : '' },
      h('td', { class: 'id-cell' }, h('a', { class: 'mono', href: workerHref(app, w.id), title: w.id }, w.id)),
      h('td', {}, badge(status)),
      h('td', {}, detail ? badge(detail) : h('span', { class: 'muted' }, '—')),
      h('td', { class: 'num' }, `#${w.appRevision}`),
      h('td', { class: 'num' }, `${w.successCount}`, w.failedCount > 0 ? h('span', { class: 'bad' }, ` / ${w.failedCount} failed`) : null),
      h('td', { class: 'muted' }, ago(w.createdAt)),
      h('td', { class: 'muted small' }, w.statusReason || (w.replaceWorkerId ? `replaces ${w.replaceWorkerId}` : '')),
    );
  });
  return table(['Worker', 'Status', 'Detail', 'Revision', 'Served', 'Created', 'Note'], rows, 'No workers.', [3, 4, 5, 6]);
}

export function revisionsTable(revisions: RevisionView[], rollBack: (revision: number, button: HTMLButtonElement) => void): HTMLElement {
  const rows = [...revisions]
    .sort((a, b) => b.revision - a.revision)
    .map((r) => {
      const button = h('button', { class: 'button button-small', type: 'button', 'data-rollback': r.revision }, 'Roll back');
      button.addEventListener('click', () => rollBack(r.revision, button));
      return h(
        'tr',
        { 'data-revision': r.revision },
        h(
          'td',
          {},
          h('span', { class: 'strong revision-number' }, `#${r.revision}`),
          r.target ? h('span', { class: 'tag tag-primary' }, 'target') : null,
          r.serving ? h('span', { class: 'tag tag-ok' }, 'serving') : null,
          r.failure ? h('span', { class: 'tag tag-bad', title: r.failure }, 'failed') : null,
        ),
        h('td', { class: 'mono ellipsis', title: r.image }, r.image),
        h('td', { class: 'mono small' }, r.volumes.map((v) => `${v.name}@${v.revision}`).join(', ') || '—'),
        h('td', { class: 'muted' }, ago(r.createdAt)),
        h('td', { class: 'right' }, r.target ? null : button),
      );
    });
  return table(['Revision', 'Image', 'Volumes', 'Created', ''], rows, 'No revisions.', [2, 3]);
}

export function queueTable(queue: { index: number; createdAt: string; reason: string }[]): HTMLElement {
  const rows = queue.map((q) => h('tr', {}, h('td', { class: 'num' }, `${q.index}`), h('td', {}, badge(q.reason)), h('td', { class: 'muted' }, ago(q.createdAt))));
  return table(['#', 'Reason', 'Waiting since'], rows, 'No request is waiting.');
}

export function eventList(events: EventRecord[]): HTMLElement {
  if (events.length === 0) return h('p', { class: 'muted' }, 'No events.');
  const newestFirst = [...events].sort((a, b) => b.id - a.id);
  return h(
    'ol',
    { class: 'events' },
    ...newestFirst.map((e) =>
      h('li', { class: `event event-${e.type.toLowerCase()}` }, h('time', { datetime: e.createdAt, title: e.createdAt }, time(e.createdAt)), h('span', { class: 'event-from' }, e.from), h('span', { class: 'event-message' }, e.message)),
    ),
  );
}

/** Key facts of the app: label → value, in a grid. */
export function facts(app: AppView): HTMLElement {
  const autoscaler = app.autoscaler === null ? 'fixed count' : app.autoscaler.kind === 'Manual' ? `manual, ${app.autoscaler.args.defaultWorkerNum} workers` : `${app.autoscaler.kind} ${JSON.stringify(app.autoscaler.args)}`;
  const resources = app.resources ? `${app.resources.cpuNum} CPU · ${app.resources.memoryMb} MiB${app.resources.gpuNum ? ` · ${app.resources.gpuNum} GPU` : ''}` : '—';
  const items: [string, string | Node][] = [
    ['Workers ready', `${app.workers.ready} / ${app.workers.desired}`],
    ['Revision', `#${app.revision}${app.servingRevisions.length > 1 ? ` (serving ${app.servingRevisions.map((r) => `#${r}`).join(', ')})` : ''}`],
    ['Image', h('span', { class: 'mono', title: app.imageDigest }, app.image)],
    ['Resources', resources],
    ['Volumes', app.volumes.map((v) => `${v.name}@${v.revision}`).join(', ') || '—'],
    ['Scaling', autoscaler],
    ['Concurrency', `${app.concurrency} per worker`],
    ['Queue timeout', app.queueTimeoutSeconds === null ? 'server default' : `${app.queueTimeoutSeconds} s`],
    ['Route', h('span', { class: 'mono' }, app.routeUrl)],
    ['Route auth', app.routeAuth],
  ];
  return h('dl', { class: 'facts' }, ...items.map(([label, value]) => h('div', { class: 'fact' }, h('dt', {}, label), h('dd', { 'data-fact': label }, value))));
}
