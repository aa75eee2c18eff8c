import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { ApiClient } from '../api-client';
import { headerValue } from '../http-exchange';
import { EveraiError } from '../../contract/errors';
import type { PushTarget } from './push-target';

export const BUILDERS = ['buildah', 'docker'] as const;
export type BuilderName = (typeof BUILDERS)[number];

const DOCKERFILE = 'Dockerfile';

/** Where a command would run from, like `command -v`. */
function onPath(name: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => dir !== '' && existsSync(join(dir, name)));
}

export function hasDockerfile(appDir: string): boolean {
  return existsSync(join(appDir, DOCKERFILE));
}

/** The builders of this machine, for the hint a folder with a Dockerfile gets. */
export function installedBuilders(): BuilderName[] {
  return BUILDERS.filter(onPath);
}

/** The line that tells a user with a Dockerfile what `--builder` would do here. */
export function dockerfileHint(): string {
  const found = installedBuilders();
  return found.length > 0
    ? `this folder has a ${DOCKERFILE}: \`everai image build --builder ${found[0]}\` builds it with ${found.join(' or ')} instead of packing the folder`
    : `this folder has a ${DOCKERFILE}, but neither buildah nor docker is installed here: the folder is packed as it is`;
}

function run(command: string, args: string[], input?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: [input === undefined ? 'ignore' : 'pipe', 'inherit', 'inherit'] });
    child.once('error', (error) => reject(new EveraiError('EVERAI_USAGE', `${command} did not start: ${error.message}`)));
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new EveraiError('EVERAI_BAD_REQUEST', `${command} ${args[0] ?? ''} failed (exit code ${code ?? 'unknown'})`)),
    );
    if (input !== undefined) child.stdin?.end(input);
  });
}

/**
 * Builds the folder's Dockerfile with buildah or docker and pushes the result to the platform's
 * registry with the user's token (as registry password, any user name). Returns the pushed
 * manifest's digest, as the registry reports it.
 */
export async function buildWithDockerfile(builder: BuilderName, appDir: string, target: PushTarget, api: ApiClient): Promise<string> {
  if (!hasDockerfile(appDir)) throw new EveraiError('EVERAI_USAGE', `--builder ${builder} builds a ${DOCKERFILE}, and ${appDir} has none`);
  if (!onPath(builder)) {
    throw new EveraiError(
      'EVERAI_USAGE',
      `${builder} is not installed on this machine (installed: ${installedBuilders().join(', ') || 'neither buildah nor docker'}); leave --builder out to pack the folder as an everai image`,
    );
  }
  const host = new URL(api.baseUrl).host;
  const ref = `${host}/${target.repository}:${target.tag}`;
  const token = api.requireToken();
  if (builder === 'buildah') {
    await run('buildah', ['bud', '-f', join(appDir, DOCKERFILE), '-t', ref, appDir]);
    // The platform's registry speaks plain HTTP on loopback.
    await run('buildah', ['push', `--tls-verify=${api.baseUrl.startsWith('https:')}`, '--creds', `everai:${token}`, ref, `docker://${ref}`]);
  } else {
    await run('docker', ['build', '-f', join(appDir, DOCKERFILE), '-t', ref, appDir]);
    await run('docker', ['login', host, '--username', 'everai', '--password-stdin'], token);
    await run('docker', ['push', ref]);
  }
  const res = await api.call('HEAD', `/v2/${target.repository}/manifests/${target.tag}`);
  const digest = headerValue(res, 'docker-content-digest');
  if (res.status !== 200 || !digest) throw new EveraiError('EVERAI_INTERNAL', `${builder} pushed ${ref}, but the registry does not show it (HTTP ${res.status})`);
  return digest;
}
