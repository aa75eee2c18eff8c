import type { AppView } from '../../contract/api-views';
import { api, appPath } from '../api';
import { h } from '../dom';
import { act } from '../scope';

/** What `POST …:upgrade` takes (docs/rollout.md): only what the form changes is sent. */
interface UpgradeRequest {
  image?: string;
  volumeRequests?: string[];
  resourceRequests?: { cpuNum: number; memoryMb: number; gpuNum: number; gpuConstraints: { models: string[] } | null };
}

function field(label: string, input: HTMLInputElement, hint: string): HTMLElement {
  return h('label', { class: 'field' }, h('span', { class: 'field-label' }, label), input, h('span', { class: 'field-hint' }, hint));
}

/**
 * The upgrade form: a new image (or tag), volumes moved to their newest revision, new resources,
 * filled from the app as it is at one revision.
 */
export function upgradeForm(app: AppView): HTMLFormElement {
  const image = h('input', { name: 'image', value: app.image, class: 'mono', spellcheck: 'false' });
  const pinned = app.volumes.map((v) => v.name).join(', ');
  const volumes = h('input', { name: 'volumes', placeholder: pinned ? `e.g. ${pinned}` : 'the app pins no volume' });
  const resources = app.resources;
  const cpu = h('input', { name: 'cpu', type: 'number', min: '0.1', step: '0.1', value: resources?.cpuNum ?? 1 });
  const memory = h('input', { name: 'memory', type: 'number', min: '1', step: '1', value: resources?.memoryMb ?? 512 });
  const gpu = h('input', { name: 'gpu', type: 'number', min: '0', step: '1', value: resources?.gpuNum ?? 0 });
  const status = h('div', { class: 'form-status' });
  const submit = h('button', { class: 'button button-primary', type: 'submit' }, 'Upgrade');
  const form = h(
    'form',
    { class: 'form', 'data-form': 'upgrade' },
    field('Image', image, 'A new tag or image; the server resolves it to a digest again.'),
    field('Volumes to move to their newest revision', volumes, 'Comma-separated names; empty keeps the pinned revisions.'),
    h('div', { class: 'field-row' }, field('CPUs', cpu, ''), field('Memory (MiB)', memory, ''), field('GPUs', gpu, '')),
    h('div', { class: 'form-foot' }, submit, status),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const request: UpgradeRequest = {};
    if (image.value.trim() !== app.image) request.image = image.value.trim();
    const names = volumes.value.split(',').map((v) => v.trim()).filter(Boolean);
    if (names.length > 0) request.volumeRequests = names;
    const wanted = { cpuNum: Number(cpu.value), memoryMb: Number(memory.value), gpuNum: Number(gpu.value) };
    if (!resources || wanted.cpuNum !== resources.cpuNum || wanted.memoryMb !== resources.memoryMb || wanted.gpuNum !== resources.gpuNum) {
      request.resourceRequests = { ...wanted, gpuConstraints: resources?.gpuConstraints ?? null };
    }
    if (request.image === undefined && request.volumeRequests === undefined && request.resourceRequests === undefined) request.image = app.image;
    void act(submit, status, async () => {
      const { app: after } = await api<{ app: AppView }>('POST', `${appPath(app.namespace, app.name)}:upgrade`, request);
      return after.revision === app.revision ? 'Nothing changed: the app already runs that.' : `Rolling out revision #${after.revision}.`;
    });
  });
  return form;
}
