import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { EveraiError } from '../../contract/errors';
import { importUserModule } from '../../sdk/loader/load-module';
import { PYTHON_APP_FILE, PYTHON_IMAGE_BUILDER_FILE, pythonImageName } from '../python/describe-python-app';

const IMAGE_BUILDER_FILES = ['image_builder.ts', 'image_builder.js', 'image_builder.mjs'];
/** An app.ts wins over an app.py, as it does for every app command (src/cli/app-definition.ts). */
const APP_FILES = ['app.ts', 'app.js', 'app.mjs', PYTHON_APP_FILE];
const MANIFEST_FILE = 'app.yaml';

/** The first of `names` present in `dir`. */
function firstPresent(dir: string, names: readonly string[]): string | undefined {
  return names.find((name) => existsSync(join(dir, name)));
}

/** The app object's file of an app folder, if it is in app-object mode. */
export function findAppFile(appDir: string): string | undefined {
  return firstPresent(appDir, APP_FILES);
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n', 1)[0] ?? '';
}

/**
 * `export const IMAGE = 'name:tag';`, with comments before it and nothing else: the name, read
 * without running the file. Loading it as a module (tsx and its worker) took about 180 ms, a third
 * of a rebuild with nothing changed; any other file is loaded, since only running it says its IMAGE.
 */
const LITERAL_IMAGE = /^(?:\s*(?:\/\*(?:[^*]|\*+[^*/])*\*+\/|\/\/[^\n]*\n))*\s*export\s+const\s+IMAGE\s*=\s*(['"])([^'"\\\n]*)\1\s*;?\s*$/;

async function fromImageBuilder(file: string): Promise<string> {
  const name = basename(file);
  const literal = LITERAL_IMAGE.exec(await readFile(file, 'utf8'))?.[2]?.trim();
  if (literal) return literal;
  let exported: Record<string, unknown>;
  try {
    exported = await importUserModule(file);
  } catch (error) {
    throw new EveraiError('EVERAI_APP_INVALID', `${name} does not load: ${firstLine(error)}`);
  }
  const image = exported.IMAGE;
  if (typeof image !== 'string' || image.trim() === '') {
    throw new EveraiError('EVERAI_APP_INVALID', `${name} does not export IMAGE: add \`export const IMAGE = 'my-app:v1';\``);
  }
  return image.trim();
}

/**
 * The whole manifest is checked, so a mistake anywhere is found before the build, at its line. Its
 * reader (yaml, zod) is loaded only for a manifest: about 110 ms of an SDK app's build otherwise.
 */
async function fromManifest(file: string): Promise<string> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { ManifestFile } = require('../manifest/manifest-file') as typeof import('../manifest/manifest-file');
  return (await ManifestFile.read(file)).manifest.spec.image.trim();
}

/**
 * The name to push an app folder's image as: `IMAGE` of `image_builder.ts` (or of
 * `image_builder.py`, which Python reads), or `spec.image` of the manifest (`-f FILE`, else `app.yaml`).
 */
export async function imageNameOf(appDir: string, manifestFile?: string): Promise<string> {
  if (manifestFile !== undefined) return fromManifest(resolve(appDir, manifestFile));
  const builder = firstPresent(appDir, IMAGE_BUILDER_FILES);
  if (builder) return fromImageBuilder(join(appDir, builder));
  if (existsSync(join(appDir, PYTHON_IMAGE_BUILDER_FILE))) return pythonImageName(appDir);
  if (existsSync(join(appDir, MANIFEST_FILE))) return fromManifest(join(appDir, MANIFEST_FILE));
  throw new EveraiError(
    'EVERAI_APP_INVALID',
    `no image_builder.ts (or .js, .mjs, .py) or ${MANIFEST_FILE} in ${resolve(appDir)}: one of them names the image to build`,
  );
}
