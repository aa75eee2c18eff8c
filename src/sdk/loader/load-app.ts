import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { EveraiError } from '../../contract/errors';
import { App } from '../app';
import { COMPILED_APP_FILE } from '../../contract/worker-env';
import { compileModule, importUserModule, requireCompiledModule } from './load-module';

/** The app files looked for, in this order, when none is named. */
export const APP_FILES = ['app.ts', 'app.js', 'app.mjs'] as const;

export interface LoadOptions {
  appFile?: string;
  /**
   * Load the folder's COMPILED_APP_FILE instead of the app's file where there is one: a worker in
   * an image does, as the image's build made it from that very file. Local commands never do, as
   * their folder is being edited.
   */
  compiled?: boolean;
  /**
   * Compiles the app's file to CommonJS, or gives nothing where it cannot (the CLI passes esbuild's,
   * src/client/image/compile-app.ts, which the SDK does not import): quicker than tsx, which still
   * loads what it gives nothing for, and says what is wrong with it.
   */
  compile?: (dir: string, appFile: string) => Promise<string | undefined>;
}

export interface LoadedApp {
  app: App;
  /** The app's file, relative to its folder (`app.ts`). */
  appFile: string;
}

function findAppFile(dir: string, appFile: string | undefined): string {
  if (appFile !== undefined) {
    if (!existsSync(join(dir, appFile))) throw new EveraiError('EVERAI_APP_INVALID', `no ${appFile} in ${dir}`);
    return appFile;
  }
  const found = APP_FILES.find((name) => existsSync(join(dir, name)));
  if (!found) throw new EveraiError('EVERAI_APP_INVALID', `no ${APP_FILES.join(', ')} in ${dir}: this folder holds no app`);
  return found;
}

/**
 * Loads the app defined in `dir` (its `app.ts`, `app.js` or `app.mjs`, or `options.appFile`).
 * Whatever goes wrong becomes one EVERAI_APP_INVALID line naming the file, line and problem.
 */
export async function loadAppFromDir(dir: string, options: LoadOptions = {}): Promise<LoadedApp> {
  const root = resolve(dir);
  const appFile = findAppFile(root, options.appFile);
  const compiled = join(root, COMPILED_APP_FILE);
  let exports: Record<string, unknown>;
  try {
    if (options.compiled && existsSync(compiled)) {
      exports = requireCompiledModule(compiled);
    } else {
      const code = await options.compile?.(root, appFile);
      exports = code ? compileModule(code, compiled) : await importUserModule(join(root, appFile));
    }
  } catch (error) {
    // Loaded only for a failure: it brings child_process, which a worker's start need not pay for.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { describeLoadError } = require('./describe-load-error') as typeof import('./describe-load-error');
    throw new EveraiError('EVERAI_APP_INVALID', describeLoadError(error, root, appFile));
  }
  const app = exports.app;
  if (app === undefined) {
    const names = Object.keys(exports).filter((name) => name !== 'default');
    const has = names.length > 0 ? `it exports ${names.join(', ')}` : 'it exports nothing';
    throw new EveraiError('EVERAI_APP_INVALID', `${appFile}: no export named 'app' (${has}); write \`export const app = new App(...)\``);
  }
  if (!(app instanceof App)) {
    const kind = app === null ? 'null' : typeof app === 'object' ? (app.constructor?.name ?? 'object') : typeof app;
    throw new EveraiError('EVERAI_APP_INVALID', `${appFile}: the export 'app' is not an App (it is ${kind})`);
  }
  return { app, appFile };
}
