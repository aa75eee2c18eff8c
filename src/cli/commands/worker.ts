import type { Command } from 'commander';
import type { WorkerView } from '../../server/api/views';
import { ApiClient, errorFromResponse } from '../api-client';
import { appPath, appTarget } from '../app-target';
import { parseOutputFormat, printList } from '../output';
import { WORKER_COLUMNS } from '../views';
import { addWorkerScaleCommands } from './worker-scale';

interface WorkerListOptions {
  all?: boolean;
  recentDays?: string;
  namespace?: string;
  output: string;
}

/** `worker list`: the same command under `everai worker` and `everai app worker`. */
export function addWorkerListCommands(group: Command): void {
  const list = group.command('list').alias('ls').description("list an app's workers (terminated ones with -a)");
  list
    .argument('[app]', 'app name (default: the app in the current directory)')
    .option('-a, --all', 'include terminated and failed workers')
    .option('-d, --recent-days <n>', 'only workers created in the last N days')
    .option('-n, --namespace <ns>', 'namespace')
    .option('-o, --output <format>', 'table, wide, json or yaml', 'table')
    .action(async (name: string | undefined, opts: WorkerListOptions) => {
      const format = parseOutputFormat(opts.output);
      const target = await appTarget(name, opts.namespace);
      const query = new URLSearchParams();
      if (opts.all) query.set('all', 'true');
      if (opts.recentDays) query.set('recentDays', opts.recentDays);
      const { workers } = await new ApiClient().get<{ workers: WorkerView[] }>(appPath(target, `/workers?${query}`));
      printList(workers, WORKER_COLUMNS, format);
    });
}

export function registerWorkerCommands(program: Command): void {
  const worker = program.command('worker').aliases(['workers', 'w']).description("an app's workers");
  addWorkerListCommands(worker);
  addWorkerScaleCommands(worker);
  worker
    .command('logs')
    .description("what a worker printed (stdout and stderr); -f follows it until the worker ends")
    .argument('<worker>', 'worker id (see `everai worker list`)')
    .option('-f, --follow', 'keep printing what the worker prints')
    .action(async (id: string, opts: { follow?: boolean }) => {
      const client = new ApiClient();
      client.requireToken();
      const res = await client.fetch(`/api/apps/v1/workers/${encodeURIComponent(id)}/logs${opts.follow ? '?follow=true' : ''}`);
      if (!res.ok) throw errorFromResponse(res.status, await res.text());
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) process.stdout.write(chunk);
    });
}
