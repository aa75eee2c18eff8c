import { volumeApiPath, VOLUMES_API, type FileListView, type VolumeView } from '../../contract/volume-view';
import { get } from '../api';
import { ago, badge, bytes, card, fill, h, table } from '../dom';
import type { Page } from '../main';
import { errorBox } from '../scope';

/** Volumes change on a push, not by the second. */
const VOLUMES_MS = 5000;
const NO_REVISION = '000000-000';

const volumeHref = (ref: string) => `#/volumes/${encodeURIComponent(ref)}`;

function filesOf(ref: string, revision: string, where: HTMLElement, signal: AbortSignal): void {
  fill(where, h('p', { class: 'muted' }, 'Loading…'));
  get<FileListView>(volumeApiPath(ref, `/revisions/${encodeURIComponent(revision)}/files`), signal)
    .then(({ files }) => {
      const total = files.reduce((sum, f) => sum + f.size, 0);
      const rows = [...files].sort((a, b) => a.path.localeCompare(b.path)).map((f) => h('tr', {}, h('td', { class: 'mono' }, f.path), h('td', { class: 'num' }, bytes(f.size)), h('td', { class: 'mono small muted ellipsis', title: f.digest }, f.digest.slice(0, 19))));
      fill(where, h('p', { class: 'muted small' }, `Revision ${revision}: ${files.length} files, ${bytes(total)}.`), table(['Path', 'Size', 'Digest'], rows, 'No files.', [2]));
    })
    .catch((error: unknown) => fill(where, errorBox(error)));
}

/** One volume: its newest revision's files, or an older revision's by name. Read-only: pushes go through the CLI. */
function volumeDetail(ref: string, main: HTMLElement, signal: AbortSignal): void {
  const head = h('div', { class: 'page-head' }, h('h1', {}, ref));
  const files = h('div', {});
  const revision = h('input', { name: 'revision', class: 'mono', placeholder: NO_REVISION, spellcheck: 'false' });
  const form = h('form', { class: 'inline-form' }, h('label', { for: 'revision', class: 'muted small' }, 'Revision'), revision, h('button', { class: 'button button-small', type: 'submit' }, 'Show files'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    filesOf(ref, revision.value.trim(), files, signal);
  });
  fill(main, h('a', { class: 'back', href: '#/volumes' }, '← Volumes'), head, card('Files', files, form));
  get<{ volume: VolumeView }>(volumeApiPath(ref), signal)
    .then(({ volume }) => {
      fill(head, h('h1', {}, volume.name), badge(volume.status), h('span', { class: 'muted' }, `${volume.owner} · revision ${volume.revision} · ${bytes(volume.size)}`));
      revision.value = volume.revision;
      if (volume.revision === NO_REVISION) fill(files, h('p', { class: 'muted' }, 'Nothing was pushed to this volume yet.'));
      else filesOf(ref, volume.revision, files, signal);
    })
    .catch((error: unknown) => fill(files, errorBox(error)));
}

/** The user's volumes (their own and the published ones they may read), or one of them. */
export function volumesPage(ref: string): Page {
  return (main, scope) => {
    if (ref) {
      volumeDetail(ref, main, scope.signal);
      return;
    }
    const body = h('div', {}, h('p', { class: 'muted' }, 'Loading…'));
    fill(main, h('div', { class: 'page-head' }, h('h1', {}, 'Volumes'), h('p', { class: 'muted' }, 'Push files with ', h('code', {}, 'everai volume push'), '.')), card('Your volumes', body));
    scope.every(VOLUMES_MS, body, async () => {
      const { volumes } = await get<{ volumes: VolumeView[] }>(VOLUMES_API, scope.signal);
      const rows = volumes.map((v) =>
        h(
          'tr',
          { 'data-volume': v.name },
          h('td', {}, h('a', { class: 'strong', href: volumeHref(v.name) }, v.name), h('div', { class: 'muted small' }, v.owner)),
          h('td', {}, badge(v.status)),
          h('td', { class: 'mono' }, v.revision),
          h('td', { class: 'num' }, `${v.files}`),
          h('td', { class: 'num' }, bytes(v.size)),
          h('td', { class: 'muted' }, ago(v.updatedAt)),
        ),
      );
      fill(body, table(['Volume', 'Status', 'Revision', 'Files', 'Size', 'Updated'], rows, 'No volumes yet.', [3, 5]));
    });
  };
}
