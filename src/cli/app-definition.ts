import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describePythonApp, hasPythonAppFile } from '../client/python/describe-python-app';
import { APP_FILES, loadAppFromDir } from '../sdk/loader/load-app';

export const MANIFEST_FILE = 'app.yaml';

/** An app definition as the API takes it, from `app.ts` or `app.py` (app-object mode) or `app.yaml` (manifest mode). */
export interface AppDefinition {
  name: string;
  /** The manifest's `metadata.namespace`, if it names one. */
  namespace: string | undefined;
  body: { spec: Record<string, unknown>; appFile?: string };
  /** One line for `app check`. */
  summary: string;
}

/** A folder whose app is its `app.py`: one with no `app.ts` (or `.js`, `.mjs`), which would win. */
export function isPythonAppFolder(dir: string): boolean {
  return !APP_FILES.some((name) => existsSync(join(dir, name))) && hasPythonAppFile(dir);
}

function validSummary(name: string, routes: readonly string[], image: string | null): string {
  const count = `${routes.length} route${routes.length === 1 ? '' : 's'}`;
  return `App '${name}' is valid: ${routes.length > 0 ? `${count} (${routes.join(', ')})` : count}, image ${image ?? '(none)'}`;
}

/**
 * The app of a folder: `-f FILE` names a manifest; without it, `app.ts` (or `.js`,
 * `.mjs`) wins, then `app.py`, and `app.yaml` serves where there is neither.
 */
export async function loadAppDefinition(dir: string, file?: string): Promise<AppDefinition> {
  const appObject = APP_FILES.some((name) => existsSync(join(dir, name))) || hasPythonAppFile(dir);
  const manifest = file ?? (!appObject && existsSync(join(dir, MANIFEST_FILE)) ? MANIFEST_FILE : undefined);
  if (manifest !== undefined) {
    // Loaded on use, like the image push client: commands that read no manifest start faster without YAML and zod.
    /* eslint-disable @typescript-eslint/no-require-imports */
    const { ManifestFile } = require('../client/manifest/manifest-file') as typeof import('../client/manifest/manifest-file');
    const { manifestRequest } = require('../client/manifest/manifest-request') as typeof import('../client/manifest/manifest-request');
    /* eslint-enable @typescript-eslint/no-require-imports */
    const parsed = await ManifestFile.read(resolve(dir, manifest));
    const request = manifestRequest(parsed);
    const program = request.body.spec.program as { port: number; servicePorts: number[] };
    return {
      name: request.name,
      namespace: request.namespace,
      body: request.body,
      summary: `App '${request.name}' (${parsed.shownName}) is valid: image ${parsed.manifest.spec.image}, port ${program.port}${
        program.servicePorts.length > 1 ? ` (services ${program.servicePorts.join(', ')})` : ''
      }`,
    };
  }
  if (isPythonAppFolder(dir)) {
    const { spec, appFile, routes } = await describePythonApp(dir);
    return { name: spec.name, namespace: undefined, body: { spec: { ...spec }, appFile }, summary: validSummary(spec.name, routes, spec.image) };
  }
  // esbuild, as the image build compiles it, rather than tsx: a quarter of the time for `app create`, `upgrade`, `check`.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { compileApp } = require('../client/image/compile-app') as typeof import('../client/image/compile-app');
  const { app, appFile } = await loadAppFromDir(dir, { compile: compileApp });
  const spec = app.toSpec() as unknown as Record<string, unknown>;
  const routes = app.service.routes.flatMap((r) => r.methods.map((m) => `${m} ${r.path.template}`));
  return { name: app.name, namespace: undefined, body: { spec, appFile }, summary: validSummary(app.name, routes, app.image?.ref ?? null) };
}
