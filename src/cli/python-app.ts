import { EveraiError } from '../contract/errors';
import { ApiClient } from '../client/api-client';
import { describePythonApp, type PythonAppDescription } from '../client/python/describe-python-app';
import { startPython } from '../client/python/python-sdk';
import { VolumeClient } from '../client/volumes/volume-client';
import { provideLocalKeyValues } from './local-key-values';
import { provideLocalVolumes } from './local-volumes';

/**
 * `everai app prepare` and `app run` for a Python app (docs/python.md): the CLI gives the app its
 * volumes, secrets and configmaps the way a worker gets them (through the environment, from the
 * local caches), then the SDK's own entry points run it: `python3 -m everai.prepare`, `everai.run`.
 */

/** Volumes requested with `create_if_not_exists=True` that the platform does not have yet. */
async function createMissingVolumes(names: readonly string[]): Promise<void> {
  const volumes = new VolumeClient(new ApiClient());
  for (const name of names) {
    const exists = await volumes.get(name).then(
      () => true,
      (error: unknown) => {
        if (error instanceof EveraiError && error.code === 'EVERAI_NOT_FOUND') return false;
        throw error;
      },
    );
    if (exists) continue;
    await volumes.create(name);
    console.log(`Volume '${name}' created (create_if_not_exists)`);
  }
}

async function describeWithContext(dir: string): Promise<PythonAppDescription> {
  const description = await describePythonApp(dir);
  await createMissingVolumes(description.createVolumes);
  const { spec } = description;
  await provideLocalVolumes(spec.volumeRequests);
  await provideLocalKeyValues(spec.secretRequests, spec.configmapRequests);
  return description;
}

/** Runs the app's prepare hooks here, in prepare mode. */
export async function preparePythonApp(dir: string): Promise<void> {
  const { appFile } = await describeWithContext(dir);
  const code = await startPython('everai.prepare', [], { cwd: dir, stdio: 'inherit' }).exited;
  if (code !== 0) throw new EveraiError('EVERAI_APP_INVALID', `${appFile}: the prepare hooks failed (exit code ${code}); why is above`);
}

/**
 * Serves the app here until a signal: the first SIGINT or SIGTERM lets what is in flight finish,
 * a second stops at once. Python runs in a process group of its own, so a terminal's Ctrl-C
 * reaches it once, through this process, not twice. Resolves with its exit code.
 */
export async function runPythonApp(dir: string, listen: { host: string; port: number }): Promise<number> {
  await describeWithContext(dir);
  const python = startPython('everai.run', ['--host', listen.host, '--port', String(listen.port)], { cwd: dir, stdio: 'inherit', detached: true });
  const forward = (signal: NodeJS.Signals) => python.child.kill(signal);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  try {
    return await python.exited;
  } finally {
    process.off('SIGINT', forward);
    process.off('SIGTERM', forward);
  }
}
