import { build } from 'esbuild';
import { join, resolve } from 'node:path';
import { COMPILED_APP_FILE } from '../../contract/worker-env';
import { textFile, type LayerEntry } from './layer-entries';

/**
 * The app's file and the local files it imports, compiled here once, at build, into one CommonJS
 * file (COMPILED_APP_FILE) that goes into the image beside them. A worker then loads plain JS:
 * no TypeScript compile at each start, and no esbuild service process beside every worker, which
 * is what tsx keeps running.
 *
 * - Packages (`everai`, anything bare) stay `require`s, resolved in the worker as tsx would.
 * - The inline source map names the sources relative to `/app`, so a stack trace, and every load
 *   error the worker prints, points at the user's `.ts` lines, as under tsx.
 * - The bundle sits in `/app`, so `__dirname` is `/app` for every file in it: right for the app's
 *   file, not for a file of a subfolder that reads its own folder.
 *
 * Where esbuild fails or warns (a syntax error, top-level await or `import.meta`, which CommonJS
 * lacks), there is no compiled file: the worker loads the sources through tsx, and says what tsx
 * says about them, as before.
 */
export async function compiledApp(appDir: string, appFile: string): Promise<LayerEntry | undefined> {
  const code = await compileApp(appDir, appFile);
  return code === undefined ? undefined : textFile(COMPILED_APP_FILE, code);
}

/** The compiled file's text (see compiledApp), or undefined where esbuild fails or warns. */
export async function compileApp(appDir: string, appFile: string): Promise<string | undefined> {
  const root = resolve(appDir);
  try {
    const result = await build({
      entryPoints: [join(root, appFile)],
      absWorkingDir: root,
      outfile: join(root, COMPILED_APP_FILE),
      write: false,
      bundle: true,
      packages: 'external',
      platform: 'node',
      format: 'cjs',
      // The image's node may be an older one of a `--base`: the oldest this SDK runs on.
      target: 'node20',
      sourcemap: 'inline',
      // The sources are in the image beside it; the map only has to say where.
      sourcesContent: false,
      logLevel: 'silent',
    });
    const output = result.outputFiles[0];
    return result.warnings.length === 0 && output ? output.text : undefined;
  } catch {
    return undefined;
  }
}
