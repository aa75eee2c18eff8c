import type { WhoAmIView } from '../contract/api-views';
import { whenSignedOut } from './api';
import { fill, h } from './dom';
import { PageScope } from './scope';
import { signInPage } from './pages/sign-in';
import { appsPage } from './pages/apps';
import { appPage } from './pages/app';
import { workerPage } from './pages/worker';
import { volumesPage } from './pages/volumes';
import { keyValuesPage } from './pages/key-values';
import { adminPage } from './pages/admin';

/** A page: draws into `main` and keeps itself live through `scope` until the route changes. */
export type Page = (main: HTMLElement, scope: PageScope, me: WhoAmIView) => void;

/** `#/apps/NS/NAME` and the like: the hash holds the route, so `/` is the server's only page. */
function route(hash: string, me: WhoAmIView): { page: Page; nav: string } {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  const [top, ...rest] = parts;
  if (top === 'apps' && rest.length === 4 && rest[2] === 'workers') {
    const [ns = '', name = '', , id = ''] = rest;
    return { page: workerPage(ns, name, id), nav: 'apps' };
  }
  if (top === 'apps' && rest.length === 2) return { page: appPage(rest[0] as string, rest[1] as string), nav: 'apps' };
  if (top === 'volumes') return { page: volumesPage(rest.join('/')), nav: 'volumes' };
  if (top === 'config') return { page: keyValuesPage, nav: 'config' };
  if (top === 'admin' && me.isAdmin) return { page: adminPage, nav: 'admin' };
  return { page: appsPage, nav: 'apps' };
}

function shell(root: HTMLElement, me: WhoAmIView): void {
  const main = h('main', { class: 'main' });
  const links: [string, string][] = [
    ['apps', 'Apps'],
    ['volumes', 'Volumes'],
    ['config', 'Secrets & configmaps'],
    ...(me.isAdmin ? ([['admin', 'Admin']] as [string, string][]) : []),
  ];
  const nav = h('nav', { class: 'nav' }, ...links.map(([id, title]) => h('a', { href: `#/${id}`, 'data-nav': id }, title)));
  const signOut = h('button', { class: 'button button-quiet', type: 'button' }, 'Sign out');
  // The token is only in this page's memory: a reload forgets it.
  signOut.addEventListener('click', () => location.reload());
  const user = h('div', { class: 'user' }, h('span', { class: 'user-name', 'data-user': me.name }, me.name, me.isAdmin ? h('span', { class: 'tag' }, 'admin') : null), signOut);
  fill(root, h('header', { class: 'topbar' }, h('a', { class: 'brand', href: '#/apps' }, h('span', { class: 'logo' }, 'E'), 'EverAI'), nav, user), main);

  let scope: PageScope | undefined;
  const show = () => {
    scope?.close();
    scope = new PageScope();
    const { page, nav: current } = route(location.hash, me);
    nav.querySelectorAll('a').forEach((link) => link.classList.toggle('active', link.dataset.nav === current));
    main.replaceChildren();
    window.scrollTo(0, 0);
    page(main, scope, me);
  };
  window.addEventListener('hashchange', show);
  show();
}

function start(): void {
  const root = document.getElementById('root') as HTMLElement;
  signInPage(root, (me) => {
    // From here on, a 401 means the token stopped working (rotated, user deleted): sign in again.
    whenSignedOut(() => location.reload());
    shell(root, me);
  });
}

start();
