import Module from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/** The SDK's entry file; `import ... from 'everai'` in user code resolves to it. */
export const SDK_ENTRY = join(__dirname, '..', 'index.js');

let loaders: Promise<void> | undefined;
let cjsMapped = false;

/** The bare `everai` required by CommonJS user code (what tsx and the build's compile both make of `import`) gets this SDK. */
function mapEveraiForCommonJs(): void {
  if (cjsMapped) return;
  cjsMapped = true;
  const cjs = Module as unknown as { _resolveFilename: (request: string, ...rest: unknown[]) => string };
  const original = cjs._resolveFilename;
  cjs._resolveFilename = function (request: string, ...rest: unknown[]) {
    return request === 'everai' ? SDK_ENTRY : original.call(this, request, ...rest);
  };
}

/**
 * Makes user code loadable wherever it lives: TypeScript through tsx, and the bare specifier
 * `everai` mapped to this very SDK (for ESM through a resolve hook, for CommonJS by wrapping the
 * resolver), so an app needs no `npm install everai` and shares the SDK's singletons
 * (`context`, the `App` objects) with the worker that loads it.
 */
async function registerLoaders(): Promise<void> {
  const sdkUrl = pathToFileURL(SDK_ENTRY).href;
  const hook = `export async function resolve(specifier, context, next) {
    if (specifier === 'everai') return { url: ${JSON.stringify(sdkUrl)}, shortCircuit: true };
    return next(specifier, context);
  }`;
  Module.register(`data:text/javascript,${encodeURIComponent(hook)}`);
  mapEveraiForCommonJs();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  (require('tsx/cjs/api') as { register: () => void }).register();
  // The ESM build of tsx's API: its CommonJS build cannot find its own hooks when registered.
  const tsxEsm = (await import('tsx/esm/api')) as { register: () => unknown };
  tsxEsm.register();
}

/**
 * Requires the app as `everai image build` compiled it (src/client/image/compile-app.ts): plain
 * CommonJS, so neither tsx nor an ESM hook thread is loaded. Source maps are turned on first, so
 * its stack frames name the user's `.ts` lines, which load errors are described from.
 */
export function requireCompiledModule(file: string): Record<string, unknown> {
  mapEveraiForCommonJs();
  process.setSourceMapsEnabled(true);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return { ...(require(resolve(file)) as Record<string, unknown>) };
}

/**
 * Runs `code`, the app compiled as above but not written anywhere (the CLI's, for a folder being
 * edited), as the CommonJS module at `file`: `__dirname`, relative requires and stack frames as if
 * it were there.
 */
export function compileModule(code: string, file: string): Record<string, unknown> {
  mapEveraiForCommonJs();
  process.setSourceMapsEnabled(true);
  const filename = resolve(file);
  const loader = Module as unknown as { _nodeModulePaths: (dir: string) => string[] };
  const mod = new Module(filename);
  mod.filename = filename;
  mod.paths = loader._nodeModulePaths(dirname(filename));
  (mod as unknown as { _compile: (code: string, filename: string) => void })._compile(code, filename);
  return { ...(mod.exports as Record<string, unknown>) };
}

/** Imports a user's file (`.ts`, `.js`, `.mjs`) and returns its exports. */
export async function importUserModule(file: string): Promise<Record<string, unknown>> {
  await (loaders ??= registerLoaders());
  const mod = (await import(pathToFileURL(resolve(file)).href)) as Record<string, unknown>;
  // A file run as CommonJS (no `"type": "module"` near it) shows its exports under `default` only.
  const keys = Object.keys(mod);
  if (keys.length === 1 && keys[0] === 'default' && typeof mod.default === 'object' && mod.default !== null) {
    return { ...(mod.default as Record<string, unknown>) };
  }
  return mod;
}
