import { cliOk } from './app-fixture';
import { runCli, type CliResult } from './cli';
import type { TestPlatform } from './platform';

/** A second, ordinary user, made as an admin makes one: `everai user create NAME`. Returns its token. */
export async function addUser(platform: TestPlatform, name: string): Promise<string> {
  const out = await cliOk(platform, ['user', 'create', name]);
  const token = out.trim().split('\n').at(-1) ?? '';
  if (!token.startsWith('everai_')) throw new Error(`user create printed no token:\n${out}`);
  return token;
}

/** Runs the CLI as the holder of `token`, as a user who exported EVERAI_TOKEN would. */
export function cliAs(
  platform: TestPlatform,
  token: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<CliResult> {
  return runCli(args, { env: { ...platform.env, EVERAI_TOKEN: token, ...options.env }, ...(options.cwd ? { cwd: options.cwd } : {}) });
}

/** The REST API (or gateway, or registry) spoken by hand, as the holder of `token` (none: anonymous). */
export function httpAs(platform: TestPlatform, token: string | undefined) {
  return (method: string, path: string, body?: object): Promise<Response> => {
    const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    return fetch(`${platform.url}${path}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  };
}

/**
 * The platform as the holder of `token` uses it: its CLI runs as them and its `token` is theirs,
 * so the helpers that take a TestPlatform (deployApp, waitDeployed...) act for that user.
 */
export function platformAs(platform: TestPlatform, token: string): TestPlatform {
  return Object.create(platform, {
    token: { get: () => token },
    cli: { value: (args: string[], options: { cwd?: string } = {}) => cliAs(platform, token, args, options) },
  }) as TestPlatform;
}
