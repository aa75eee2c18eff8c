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
  let last: AppView | undefined;
  try {
    return await waitFor(
      `app ${name} DEPLOYED`,
      async () => {
        last = await appJson(platform, name);
        return last?.status === 'DEPLOYED' && last.workers.ready === last.workers.desired ? last : undefined;
      },
      timeoutMs,
      250,
    );
  } catch (error) {
    // What a reader of a failed CI run needs: where the app stood, its workers and events, the server's last words.
    const workers = await platform.cli(['worker', 'list', name, '-a', '-o', 'wide']).catch(() => undefined);
    const events = await platform.cli(['app', 'events', name]).catch(() => undefined);
    const log = platform.log().split('\n').slice(-40).join('\n');
    throw new Error(`${(error as Error).message}\napp: ${JSON.stringify(last)}\nworkers:\n${workers?.stdout ?? ''}\nevents:\n${events?.stdout.slice(0, 4000) ?? ''}\nserver log:\n${log}`, { cause: error });
  }
}

/** image build + app create + wait until DEPLOYED, as the README's quickstart does. */
export async function deployApp(platform: TestPlatform, dir: string, name = 'get-start'): Promise<AppView> {
  await cliOk(platform, ['image', 'build'], dir);
  await cliOk(platform, ['app', 'create'], dir);
  return waitDeployed(platform, name);
}
