import { promises as fs } from 'node:fs';
import { join, posix } from 'node:path';
import { PYTHON_SDK_PATH, PYTHON_WORKER_ENV, PYTHON_WORKER_MODULE } from '../../contract/python-worker';
import { PYTHON_SDK_DIR } from '../python/python-sdk';
import { cachedLayer } from './build-cache';
import { hostFile, layerTree, type LayerEntry } from './layer-entries';
import { IMAGE_PATH } from './node-base';
import { PYTHON_BASE_REPOSITORY, PYTHON_BASE_TAG, PYTHON_PATH, pythonBaseRootLayer } from './python-base';
import { publishedBaseLayer, type SdkRuntime } from './sdk-layers';

/** The SDK's package as it goes into the image: its modules, not what running them left behind (`__pycache__`). */
async function pythonSdkEntries(): Promise<LayerEntry[]> {
  const dir = join(PYTHON_SDK_DIR, 'everai');
  const modules = (await fs.readdir(dir)).filter((name) => name.endsWith('.py')).sort();
  const entries = await Promise.all(modules.map((name) => hostFile(join(dir, name), posix.join(PYTHON_SDK_PATH.slice(1), 'everai', name))));
  return layerTree(entries);
}

/** Python on the Debian base, and the everai SDK for Python on its path (docs/python.md, "Images"). */
export const PYTHON_RUNTIME: SdkRuntime = {
  baseLayer: async (api, progress, userName) =>
    publishedBaseLayer(
      api,
      progress,
      await pythonBaseRootLayer(),
      { repository: PYTHON_BASE_REPOSITORY, tag: PYTHON_BASE_TAG, process: { Env: [IMAGE_PATH], Cmd: [PYTHON_PATH] } },
      userName,
    ),
  sdkLayer: async () => cachedLayer(await pythonSdkEntries(), 'none'),
  worker: {
    entrypoint: [PYTHON_PATH, '-m', PYTHON_WORKER_MODULE],
    env: [`PYTHONPATH=${PYTHON_SDK_PATH}`, ...Object.entries(PYTHON_WORKER_ENV).map(([name, value]) => `${name}=${value}`)],
  },
};
