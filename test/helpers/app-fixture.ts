import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AppView, WorkerView } from '../../src/contract/api-views';
import { REPO_ROOT } from './cli';
import type { TestPlatform } from './platform';
import { waitFor } from './wait';

/**
 * A copy of an example app, so a test may edit it like a user would. It lives in the platform's
 * temp home, so `platform.stop()` removes it with everything else.
 */
export function copyExampleApp(platform: Pick<TestPlatform, 'home'>, example = 'get-start'): string {
  const dir = mkdtempSync(join(platform.home, 'app-'));
  cpSync(join(REPO_ROOT, 'examples', example), dir, { recursive: true });
  return dir;
}

export function editFile(file: string, edit: (text: string) => string): void {
  writeFileSync(file, edit(readFileSync(file, 'utf8')));
}

export async function cliOk(platform: TestPlatform, args: string[], cwd?: string): Promise<string> {
  const result = await platform.cli(args, cwd ? { cwd } : {});
  assert.equal(result.code, 0, `everai ${args.join(' ')} failed (${result.code}):\n${result.stderr}${result.stdout}`);
  return result.stdout;
}

export async function appJson(platform: TestPlatform, name: string): Promise<AppView> {
  return (JSON.parse(await cliOk(platform, ['app', 'list', '-o', 'json'])) as AppView[]).find((a) => a.name === name) as AppView;
}

export async function workersJson(platform: TestPlatform, name: string, all = true): Promise<WorkerView[]> {
  return JSON.parse(await cliOk(platform, ['worker', 'list', name, ...(all ? ['-a'] : []), '-o', 'json'])) as WorkerView[];
}

export async function waitDeployed(platform: TestPlatform, name: string, timeoutMs = 90_000): Promise<AppView> {
  return waitFor(
    `app ${name} DEPLOYED`,
    async () => {
      const app = await appJson(platform, name);
      return app?.status === 'DEPLOYED' && app.workers.ready === app.workers.desired ? app : undefined;
    },
    timeoutMs,
    250,
  );
}

/** image build + app create + wait until DEPLOYED, as the README's quickstart does. */
export async function deployApp(platform: TestPlatform, dir: string, name = 'get-start'): Promise<AppView> {
  await cliOk(platform, ['image', 'build'], dir);
  await cliOk(platform, ['app', 'create'], dir);
  return waitDeployed(platform, name);
}
