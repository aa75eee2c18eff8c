/** Builds the console's DOM: no framework, no innerHTML, so nothing the API returns is ever parsed as markup. */

type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | ((event: Event) => void) | undefined>;

/** `h('a', { href: '#/apps', class: 'link' }, 'Apps')`: attributes, `on*` listeners, then children. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (typeof value === 'function') element.addEventListener(name.slice(2), value);
    else if (value === true) element.setAttribute(name, '');
    else element.setAttribute(name, String(value));
  }
  append(element, children);
  return element;
}

function append(parent: Node, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
  }
}

/** Replaces what an element shows. */
export function fill(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, children);
}

/** `12 s ago`, `3 min ago`, `2 h ago`, then the date. */
export function ago(iso: string | null): string {
  if (!iso) return '—';
  const seconds = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)} h ago`;
  return new Date(iso).toLocaleDateString();
}

export function time(iso: string): string {
  return new Date(iso).toLocaleTimeString([], { hour12: false });
}

export function bytes(size: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = size;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

/** A status as a coloured pill; `data-status` lets the style sheet and tests find it. */
export function badge(status: string): HTMLSpanElement {
  return h('span', { class: `badge badge-${status.toLowerCase()}`, 'data-status': status }, status);
}

/**
 * A table with a header row; `empty` is shown in a row of its own when there are no rows. The
 * columns at `optional` (indices) are left out at phone width, so the ones that matter fit.
 */
export function table(headers: string[], rows: HTMLTableRowElement[], empty: string, optional: number[] = []): HTMLElement {
  const head = h('tr', {}, ...headers.map((title) => h('th', {}, title)));
  for (const row of [head, ...rows]) for (const index of optional) row.cells[index]?.classList.add('optional');
  const body = rows.length > 0 ? rows : [h('tr', {}, h('td', { class: 'empty', colspan: headers.length }, empty))];
  return h('div', { class: 'table-wrap' }, h('table', {}, h('thead', {}, head), h('tbody', {}, ...body)));
}

/** A card: a titled section of a page, with optional actions on the right of its title. */
export function card(title: string, body: Child, ...actions: Child[]): HTMLElement {
  return h('section', { class: 'card' }, h('header', { class: 'card-head' }, h('h2', {}, title), h('div', { class: 'actions' }, ...actions)), body);
}
