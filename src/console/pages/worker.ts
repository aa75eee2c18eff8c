import type { EventRecord, WorkerView } from '../../contract/api-views';
import { appPath, get, stream } from '../api';
import { ago, badge, card, fill, h, time } from '../dom';
import type { Page } from '../main';
import { errorBox } from '../scope';
import { appHref, LIVE_MS } from './apps';
import { plainStatus } from './app-sections';

/** Lines kept in the log view: a long-running worker's log would otherwise grow the page without end. */
const MAX_LOG_LINES = 5000;

/** One worker: its log, followed live, and its history from the app's events that name it. */
export function workerPage(namespace: string, name: string, id: string): Page {
  const path = appPath(namespace, name);
  return (main, scope) => {
    const head = h('div', { class: 'page-head' }, h('h1', { class: 'mono' }, id));
    const log = h('pre', { class: 'log', 'data-log': id, 'aria-live': 'polite' });
    const follow = h('input', { type: 'checkbox', checked: true });
    const logState = h('span', { class: 'muted small' }, 'following');
    const history = h('div', {});
    fill(
      main,
      h('a', { class: 'back', href: appHref({ namespace, name }) }, `← ${name}`),
      head,
      card('Log', log, logState, h('label', { class: 'toggle' }, follow, ' Scroll with new lines')),
      card('Status history', history),
    );

    let pending = '';
    const addText = (text: string) => {
      const lines = (pending + text).split('\n');
      pending = lines.pop() ?? '';
      if (lines.length === 0) return;
      log.append(...lines.map((line) => h('div', { class: 'log-line' }, line)));
      while (log.childElementCount > MAX_LOG_LINES) log.firstElementChild?.remove();
      if (follow.checked) log.scrollTop = log.scrollHeight;
    };
    stream(`/api/apps/v1/workers/${encodeURIComponent(id)}/logs?follow=true&timestamps=false`, scope.signal, addText)
      .then(() => {
        addText(pending ? '\n' : '');
        fill(logState, 'ended: the worker stopped');
      })
      .catch((error: unknown) => {
        if (!scope.signal.aborted) fill(logState, errorBox(error));
      });

    scope.every(LIVE_MS, history, async () => {
      const [{ workers }, { events }] = await Promise.all([
        get<{ workers: WorkerView[] }>(`${path}/workers?all=true`, scope.signal),
        get<{ events: EventRecord[] }>(`${path}/events?limit=1000`, scope.signal),
      ]);
      const worker = workers.find((w) => w.id === id);
      if (!worker) {
        fill(history, h('p', { class: 'muted' }, 'This worker is no longer listed.'));
        return;
      }
      const detail = plainStatus(worker.detailStatus);
      fill(head, h('h1', { class: 'mono' }, id), badge(plainStatus(worker.status)), detail ? badge(detail) : null, h('span', { class: 'muted' }, `revision #${worker.appRevision}`));
      const mentions = events.filter((e) => e.message.toLowerCase().includes(`worker/${id.toLowerCase()}`)).sort((a, b) => b.id - a.id);
      const steps = [
        ...mentions.map((e) => ({ at: e.createdAt, text: e.message, type: e.type })),
        { at: worker.createdAt, text: 'Created', type: 'NORMAL' },
        ...(worker.launchAt ? [{ at: worker.launchAt, text: 'Launched', type: 'NORMAL' }] : []),
        ...(worker.deletedAt ? [{ at: worker.deletedAt, text: `Ended: ${worker.statusReason || plainStatus(worker.status)}`, type: 'NORMAL' }] : []),
      ].sort((a, b) => b.at.localeCompare(a.at));
      fill(
        history,
        h('p', { class: 'muted small' }, `Requests served: ${worker.successCount}, failed: ${worker.failedCount}; last served ${ago(worker.lastServeAt)}.`),
        h('ol', { class: 'events' }, ...steps.map((s) => h('li', { class: `event event-${s.type.toLowerCase()}` }, h('time', { datetime: s.at, title: s.at }, time(s.at)), h('span', { class: 'event-message' }, s.text)))),
      );
    });
  };
}
