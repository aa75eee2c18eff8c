import type { AppView, EventRecord, MetricSampleView, RevisionView, WorkerView } from '../../contract/api-views';
import { api, appPath, get } from '../api';
import { badge, card, fill, h } from '../dom';
import type { Page } from '../main';
import { act } from '../scope';
import { LIVE_MS } from './apps';
import { charts } from './app-charts';
import { eventList, facts, queueTable, revisionsTable, workersTable } from './app-sections';
import { upgradeForm } from './app-upgrade';

/** The metric history takes a sample every few seconds: polling it faster shows nothing new. */
const CHART_MS = 5000;

/** One app: its workers, queue, revisions and events live; charts; upgrade, roll back, pause and resume. */
export function appPage(namespace: string, name: string): Page {
  const path = appPath(namespace, name);
  return (main, scope) => {
    const title = h('div', { class: 'page-head' }, h('h1', {}, name));
    const actionStatus = h('div', { class: 'form-status' });
    const sections = {
      facts: h('div', {}),
      charts: h('div', {}, h('p', { class: 'muted' }, 'Loading…')),
      workers: h('div', {}),
      queue: h('div', {}),
      revisions: h('div', {}),
      upgrade: h('div', {}),
      events: h('div', {}),
    };
    // Disabled until the app is shown: a click before would not know whether to pause or resume.
    const pause = h('button', { class: 'button', type: 'button', 'data-action': 'pause', disabled: true }, 'Pause');
    fill(
      main,
      h('a', { class: 'back', href: '#/apps' }, '← Apps'),
      title,
      actionStatus,
      card('Overview', sections.facts, pause),
      card('Last hour', sections.charts),
      card('Workers', sections.workers),
      h('div', { class: 'grid-2' }, card('Queue', sections.queue), card('Events', h('div', { class: 'scroll' }, sections.events))),
      card('Revisions', sections.revisions),
      card('Upgrade', sections.upgrade),
    );

    let current: AppView | undefined;
    pause.addEventListener('click', () => {
      const action = current?.paused ? 'resume' : 'pause';
      void act(pause, actionStatus, async () => {
        await api('POST', `${path}:${action}`, {});
        return action === 'pause' ? 'Pausing: the workers drain.' : 'Resumed.';
      });
    });
    const rollBack = (revision: number, button: HTMLButtonElement) => {
      if (!confirm(`Roll ${name} back to revision #${revision}?`)) return;
      void act(button, actionStatus, async () => {
        await api('POST', `${path}:rollback`, { to: revision });
        return `Rolling back to revision #${revision}.`;
      });
    };

    scope.every(LIVE_MS, sections.workers, async () => {
      const [{ app }, { workers }, { revisions }, { queue }, { events }] = await Promise.all([
        get<{ app: AppView }>(path, scope.signal),
        get<{ workers: WorkerView[] }>(`${path}/workers?all=true&recentDays=1`, scope.signal),
        get<{ revisions: RevisionView[] }>(`${path}/revisions`, scope.signal),
        get<{ queue: { index: number; createdAt: string; reason: string }[] }>(`${path}/queue`, scope.signal),
        get<{ events: EventRecord[] }>(`${path}/events?limit=50`, scope.signal),
      ]);
      // The form shows the app as it is, unless the user is filling it in.
      if (current?.revision !== app.revision && !sections.upgrade.contains(document.activeElement)) fill(sections.upgrade, upgradeForm(app));
      if (!current) pause.disabled = false;
      current = app;
      fill(title, h('h1', {}, app.name), h('span', { class: 'muted' }, app.namespace), badge(app.status), app.paused ? h('span', { class: 'tag' }, 'paused') : null);
      fill(pause, app.paused ? 'Resume' : 'Pause');
      pause.dataset.action = app.paused ? 'resume' : 'pause';
      fill(sections.facts, facts(app), app.statusReason ? h('p', { class: 'muted small' }, app.statusReason) : null);
      fill(sections.workers, workersTable(app, workers));
      fill(sections.queue, queueTable(queue));
      fill(sections.revisions, revisionsTable(revisions, rollBack));
      fill(sections.events, eventList(events));
    });
    scope.every(CHART_MS, sections.charts, async () => {
      const { samples, intervalSeconds } = await get<{ samples: MetricSampleView[]; intervalSeconds: number }>(`${path}/metrics`, scope.signal);
      fill(sections.charts, charts(samples), h('p', { class: 'muted small' }, `A sample every ${intervalSeconds} s, kept in the server's memory for an hour.`));
    });
  };
}
