import { promises as fs } from 'node:fs';
import { join, posix, relative, sep } from 'node:path';
import { hostFile, layerTree, type LayerEntry } from './layer-entries';
import { packageClosure } from './package-closure';
import { traceRequires } from './require-trace';

/**
 * The everai SDK runtime an SDK image carries: what `node worker-entry.js` needs to load a user's
 * `app.ts` and serve it, taken from this very installation so the image runs the CLI's SDK.
 */

/** This package's root (its package.json), from dist/src/client/image. */
const PACKAGE_ROOT = join(__dirname, '..', '..', '..', '..');
export const SDK_ROOT = 'opt/everai';
export const WORKER_ENTRY = `/${SDK_ROOT}/dist/src/sdk/worker/worker-entry.js`;

/** Types and source maps serve editors and debuggers, not a worker. */
const NOT_RUN = /\.d\.[cm]?ts$|\.map$/;

/** A package's files; its own node_modules are other packages, which the closure names if needed. */
async function packageFiles(dir: string): Promise<string[]> {
  const files: string[] = [];
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.name === 'node_modules' || NOT_RUN.test(entry.name)) continue;
    const stat = await fs.stat(path);
    if (stat.isDirectory()) files.push(...(await packageFiles(path)));
    else if (stat.isFile()) files.push(path);
  }
  return files;
}

/** The runtime's entries under /opt/everai: package.json, the worker's compiled files, their packages. */
export async function sdkRuntimeEntries(root = PACKAGE_ROOT): Promise<LayerEntry[]> {
  const sdk = join(root, 'dist', 'src', 'sdk');
  // The SDK's index is loaded by path (for `import 'everai'` in user code), so it is an entry too.
  const trace = await traceRequires([join(sdk, 'worker', 'worker-entry.js'), join(sdk, 'index.js')]);
  const files = [join(root, 'package.json'), ...trace.files];
  for (const pkg of await packageClosure(root, trace.packages)) files.push(...(await packageFiles(join(root, pkg))));
  const entries = await Promise.all(files.map((file) => hostFile(file, posix.join(SDK_ROOT, relative(root, file).split(sep).join('/')))));
  return layerTree(entries);
}
