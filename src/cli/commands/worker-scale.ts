import type { Command } from 'commander';
import { EveraiError } from '../../contract/errors';
import { ApiClient } from '../../client/api-client';
import { appPath, appTarget, NS_OPTION } from '../app-target';

function parseCount(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new EveraiError('EVERAI_USAGE', `--num wants a whole number >= 1, got '${value}'`);
  return Number(value);
}

/** `worker scale-up` / `scale-down`: the manual scaling API (docs/autoscaling.md). */
export function addWorkerScaleCommands(group: Command): void {
  group
    .command('scale-up')
    .description('start more workers for an app (under a builtin autoscaler, until it scales them down again)')
    .argument('[app]', 'app name (default: the app in the current directory)')
    .option('--num <n>', 'how many workers to add', '1')
    .option(...NS_OPTION)
    .action(async (name: string | undefined, opts: { num: string; namespace?: string }) => {
      const target = await appTarget(name, opts.namespace);
      const { workerIds } = await new ApiClient().request<{ workerIds: string[] }>('POST', appPath(target, '/workers:scale-up'), {
        scaleUpWorkersNum: parseCount(opts.num),
      });
      console.log(`Starting ${workerIds.length} more workers of app '${target.name}': ${workerIds.join(' ')}`);
    });

  group
    .command('scale-down')
    .description('drain and stop workers of an app: the named ones, or --num chosen ones (idle first)')
    .argument('<app>', 'app name')
    .argument('[workers...]', 'worker ids (see `everai worker list`)')
    .option('--num <n>', 'how many workers to remove, when none is named')
    .option(...NS_OPTION)
    .action(async (name: string, workers: string[], opts: { num?: string; namespace?: string }) => {
      if (workers.length === 0 && opts.num === undefined) throw new EveraiError('EVERAI_USAGE', 'name the workers to remove, or say how many with --num');
      const body = workers.length > 0 ? { workerIds: workers } : { scaleDownWorkersNum: parseCount(opts.num as string) };
      const target = await appTarget(name, opts.namespace);
      const { workerIds } = await new ApiClient().request<{ workerIds: string[] }>('POST', appPath(target, '/workers:scale-down'), body);
      console.log(`Draining ${workerIds.length} workers of app '${name}': ${workerIds.join(' ')}`);
    });
}
