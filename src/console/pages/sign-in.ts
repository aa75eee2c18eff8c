import type { WhoAmIView } from '../../contract/api-views';
import { get, useToken } from '../api';
import { fill, h } from '../dom';
import { errorBox } from '../scope';

/** Checks the token with `whoami` and keeps it in the page's memory (docs/console.md); never in a URL. */
export function signInPage(root: HTMLElement, signedIn: (me: WhoAmIView) => void): void {
  const token = h('input', { id: 'token', name: 'token', type: 'password', autocomplete: 'off', placeholder: 'everai_…', required: true });
  const status = h('div', { class: 'form-status' });
  const submit = h('button', { class: 'button button-primary', type: 'submit' }, 'Sign in');
  const form = h(
    'form',
    { class: 'signin-card' },
    h('div', { class: 'signin-brand' }, h('span', { class: 'logo logo-large' }, 'E'), h('h1', {}, 'EverAI console')),
    h('p', { class: 'muted' }, 'Sign in with your EverAI token. ', h('code', {}, 'everai server'), ' prints the admin token on its first start; an admin gives other users theirs.'),
    h('label', { for: 'token' }, 'Token'),
    token,
    submit,
    status,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    submit.disabled = true;
    useToken(token.value.trim());
    get<WhoAmIView>('/api/v1/whoami')
      .then((me) => {
        // A link to a page (`#/apps/NS/NAME`) opened before signing in still lands there.
        if (location.hash === '') history.replaceState(null, '', '#/apps');
        signedIn(me);
      })
      .catch((error: unknown) => {
        fill(status, errorBox(error));
        token.select();
      })
      .finally(() => (submit.disabled = false));
  });
  fill(root, h('div', { class: 'signin' }, form));
  token.focus();
}
