import { KEY_VALUE_APIS, type KeyValueView } from '../../contract/key-value-view';
import { get } from '../api';
import { card, fill, h, table } from '../dom';
import type { Page } from '../main';

const KEY_VALUES_MS = 5000;

/**
 * Secrets and configmaps: names, versions and keys, never a value. The console never asks for
 * values (no `?values=true`), so none reaches the browser.
 */
export const keyValuesPage: Page = (main, scope) => {
  const sections = { Secret: h('div', {}), ConfigMap: h('div', {}) };
  fill(
    main,
    h('div', { class: 'page-head' }, h('h1', {}, 'Secrets & configmaps'), h('p', { class: 'muted' }, 'Names and keys only: values stay on the server. Set them with ', h('code', {}, 'everai secret create'), '.')),
    card('Secrets', sections.Secret),
    card('Configmaps', sections.ConfigMap),
  );
  for (const kind of ['Secret', 'ConfigMap'] as const) {
    const where = sections[kind];
    scope.every(KEY_VALUES_MS, where, async () => {
      const { objects } = await get<{ objects: KeyValueView[] }>(KEY_VALUE_APIS[kind], scope.signal);
      const detailed = await Promise.all(objects.map((o) => get<{ object: KeyValueView }>(`${KEY_VALUE_APIS[kind]}/${encodeURIComponent(o.name)}`, scope.signal)));
      const rows = detailed.map(({ object }) =>
        h(
          'tr',
          { 'data-key-value': object.name },
          h('td', { class: 'strong' }, object.name),
          h('td', { class: 'num' }, `v${object.version}`),
          h('td', {}, h('div', { class: 'keys' }, ...(object.keys ?? []).map((key) => h('code', { class: 'key' }, key)))),
        ),
      );
      fill(where, table(['Name', 'Version', 'Keys'], rows, kind === 'Secret' ? 'No secrets.' : 'No configmaps.'));
    });
  }
};
