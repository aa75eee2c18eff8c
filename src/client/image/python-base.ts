import { existsSync, promises as fs } from 'node:fs';
import { join } from 'node:path';
import { EveraiError } from '../../contract/errors';
import { buildCacheDir } from './build-cache';
import { buildOnce } from './build-once';
import { DEBIAN_SUITE, debootstrapMissing, debootstrapRootfs } from './debian-rootfs';
import { writeLayer, type WrittenLayer } from './layer-writer';
import type { ImageLayer } from './oci-image-builder';
import { rootfsEntries } from './rootfs-entries';

/**
 * The Python base: Debian minbase with python3 and Flask (Debian's own packages), made offline
 * from this machine's apt mirror with debootstrap, once per machine and recipe, and kept in the
 * build cache as one plain-tar layer. Nothing of the everai SDK is in it, so an SDK change never
 * makes it again.
 */

const PACKAGES = ['python3', 'python3-flask'];
export const PYTHON_BASE_REPOSITORY = 'everai/python-base';
/** The Debian suite and the recipe's version: bump the number when PACKAGES or the build changes. */
export const PYTHON_BASE_TAG = `${DEBIAN_SUITE}-1`;
export const PYTHON_PATH = '/usr/bin/python3';

const LAYER_FILE = 'layer.tar';
const RECORD_FILE = 'layer.json';

/** debootstrap, then the root filesystem as a layer in `dir`; the root filesystem itself goes. */
async function build(dir: string): Promise<void> {
  const rootfs = join(dir, 'rootfs');
  await debootstrapRootfs(rootfs, PACKAGES);
  const written = await writeLayer(await rootfsEntries(rootfs), join(dir, LAYER_FILE), 'none');
  await fs.rm(rootfs, { recursive: true, force: true });
  await fs.writeFile(join(dir, RECORD_FILE), JSON.stringify(written));
}

const baseDir = (cacheDir: string) => join(cacheDir, 'python-base', PYTHON_BASE_TAG);

/** Why this machine has no Python base and cannot make one, or undefined when it has or can. */
export function pythonBaseMissing(cacheDir = buildCacheDir()): string | undefined {
  if (existsSync(baseDir(cacheDir))) return undefined;
  const cannot = debootstrapMissing();
  return cannot && `the Python base image ${PYTHON_BASE_REPOSITORY}:${PYTHON_BASE_TAG} is made once on this machine with debootstrap, and ${cannot}`;
}

/** The base's layer, made first if this machine has none yet (a minute or two; builds started together make it once). */
export async function pythonBaseRootLayer(cacheDir = buildCacheDir()): Promise<ImageLayer> {
  const dir = baseDir(cacheDir);
  if (!existsSync(dir)) {
    const missing = pythonBaseMissing(cacheDir);
    if (missing) {
      throw new EveraiError('EVERAI_USAGE', `${missing}; or build on an image of yours that has /usr/bin/python3 with Flask: \`everai image build --base IMAGE\``);
    }
    process.stderr.write(`making the Python base ${PYTHON_BASE_REPOSITORY}:${PYTHON_BASE_TAG} with debootstrap (once on this machine; a minute or two)\n`);
  }
  await buildOnce(dir, build);
  const record = JSON.parse(await fs.readFile(join(dir, RECORD_FILE), 'utf8')) as WrittenLayer;
  return { ...record, path: join(dir, LAYER_FILE) };
}
