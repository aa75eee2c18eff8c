import { api, get } from '../api';
import { ago, card, fill, h, table } from '../dom';
import type { Page } from '../main';
import { act } from '../scope';

interface UserView {
  id: string;
  name: string;
  isAdmin: boolean;
  createdAt: string;
}

const USERS_MS = 5000;

/** An admin's page: the users, and a form to create one whose token is shown once. */
export const adminPage: Page = (main, scope) => {
  const list = h('div', {});
  const name = h('input', { id: 'name', name: 'name', placeholder: 'alice', autocomplete: 'off', spellcheck: 'false', required: true });
  const status = h('div', { class: 'form-status' });
  const submit = h('button', { class: 'button button-primary', type: 'submit' }, 'Create user');
  const form = h('form', { class: 'inline-form', 'data-form': 'create-user' }, h('label', { class: 'muted small', for: 'name' }, 'Name'), name, submit);
  fill(main, h('div', { class: 'page-head' }, h('h1', {}, 'Admin')), card('Create a user', h('div', {}, form, status)), card('Users', list));

  const load = async () => {
    const { users } = await get<{ users: UserView[] }>('/api/v1/users', scope.signal);
    const rows = users.map((u) =>
      h('tr', { 'data-user-row': u.name }, h('td', { class: 'strong' }, u.name), h('td', {}, u.isAdmin ? h('span', { class: 'tag tag-primary' }, 'admin') : 'user'), h('td', { class: 'mono small muted' }, u.id), h('td', { class: 'muted' }, ago(u.createdAt))),
    );
    fill(list, table(['User', 'Role', 'Id', 'Created'], rows, 'No users.', [2]));
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void act(submit, status, async () => {
      const { user, token } = await api<{ user: UserView; token: string }>('POST', '/api/v1/users', { name: name.value.trim() });
      name.value = '';
      await load();
      return h('div', { class: 'alert alert-ok', role: 'status' }, h('strong', {}, `${user.name} created. `), 'Their token, shown this once: ', h('code', { class: 'token', 'data-token': user.name }, token));
    });
  });
  scope.every(USERS_MS, list, load);
};
