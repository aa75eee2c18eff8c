import type { AppView } from '../../contract/api-views';
import { get } from '../api';
import { ago, badge, card, fill, h, table } from '../dom';
import type { Page } from '../main';

/** Polled this often: a rollout's workers change within seconds. */
export const LIVE_MS = 1000;

export const appHref = (app: { namespace: string; name: string }) => `#/apps/${encodeURIComponent(app.namespace)}/${encodeURIComponent(app.name)}`;

function appRow(app: AppView): HTMLTableRowElement {
  const { ready, desired } = app.workers;
  return h(
    'tr',
    { 'data-app': `${app.namespace}/${app.name}` },
    h('td', {}, h('a', { class: 'strong', href: appHref(app) }, app.name), h('div', { class: 'muted small' }, app.namespace)),
    h('td', {}, badge(app.status), app.statusReason ? h('div', { class: 'muted small' }, app.statusReason) : null),
    h('td', { class: 'num', 'data-workers': `${ready}/${desired}` }, h('span', { class: ready < desired ? 'warn' : '' }, `${ready}/${desired}`)),
    h('td', { class: 'num' }, `#${app.revision}`),
    h('td', { class: 'mono ellipsis', title: app.image }, app.image),
    h('td', { class: 'muted' }, ago(app.updatedAt)),
  );
}

/** Every app of the signed-in user, live. */
export const appsPage: Page = (main, scope) => {
  const body = h('div', {}, h('p', { class: 'muted' }, 'Loading…'));
  fill(main, h('div', { class: 'page-head' }, h('h1', {}, 'Apps'), h('p', { class: 'muted' }, 'Create and upgrade apps with the CLI: ', h('code', {}, 'everai app create'), '.')), card('Your apps', body));
  scope.every(LIVE_MS, body, async () => {
    const { apps } = await get<{ apps: AppView[] }>('/api/apps/v1/apps', scope.signal);
    apps.sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`));
    fill(body, table(['App', 'Status', 'Ready', 'Revision', 'Image', 'Updated'], apps.map(appRow), 'No apps yet.', [3, 5]));
  });
};
