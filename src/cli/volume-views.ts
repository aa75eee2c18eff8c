import { formatTime } from '../contract/time';
import type { VolumeFile } from '../contract/volume-file';
import { formatBytes } from '../client/image/push-progress';
import type { VolumeView } from '../contract/volume-view';
import type { Column } from './output';

/** How the CLI shows volumes. */

export const VOLUME_COLUMNS: Column<VolumeView>[] = [
  { header: 'NAME', value: (v) => v.name },
  { header: 'REVISION', value: (v) => v.revision },
  { header: 'CREATED_AT', value: (v) => formatTime(v.createdAt) },
  { header: 'FILES', value: (v) => v.files },
  { header: 'SIZE', value: (v) => formatBytes(v.size) },
  { header: 'STATUS', value: (v) => v.status },
  { header: 'ID', value: (v) => v.id, wide: true },
  { header: 'OWNER', value: (v) => v.owner, wide: true },
  { header: 'UPDATED_AT', value: (v) => formatTime(v.updatedAt), wide: true },
];

/** `<Volume: id: ID, name: NAME, revision: REV, files: N, size: 11 B>` and `path: PATH`, as the seed prints. */
export function describeVolume(view: VolumeView, path: string): string {
  return [
    `<Volume: id: ${view.id}, name: ${view.name}, revision: ${view.revision}, files: ${view.files}, size: ${formatBytes(view.size)}>`,
    `path: ${path}`,
  ].join('\n');
}

interface TreeNode {
  children: Map<string, TreeNode>;
  file?: VolumeFile;
}

/** The files drawn as a tree, folders first in each folder, each file with its size. */
export function renderFileTree(title: string, files: readonly VolumeFile[]): string {
  const root: TreeNode = { children: new Map() };
  for (const file of files) {
    let node = root;
    for (const part of file.path.split('/')) {
      let child = node.children.get(part);
      if (!child) node.children.set(part, (child = { children: new Map() }));
      node = child;
    }
    node.file = file;
  }
  const lines = [title];
  const draw = (node: TreeNode, indent: string) => {
    const entries = [...node.children].sort(([a, x], [b, y]) => Number(Boolean(x.file)) - Number(Boolean(y.file)) || (a < b ? -1 : 1));
    entries.forEach(([name, child], i) => {
      const last = i === entries.length - 1;
      const label = child.file ? `${name} (${formatBytes(child.file.size)})` : `${name}/`;
      lines.push(`${indent}${last ? '└── ' : '├── '}${label}`);
      if (!child.file) draw(child, `${indent}${last ? '    ' : '│   '}`);
    });
  };
  draw(root, '');
  return lines.join('\n');
}
