import type { Command } from 'commander';
import type { WorkerView } from '../../contract/api-views';
import { ApiClient } from '../../client/api-client';
import { appPath, appTarget } from '../app-target';
import { OUTPUT_OPTION, parseOutputFormat, printList } from '../output';
import { WORKER_COLUMNS } from '../views';
import { SINCE_OPTION, sinceTime } from '../log-since';
import { streamFrom } from '../log-stream';
import { addWorkerScaleCommands } from './worker-scale';

interface WorkerListOptions {
  all?: boolean;
  recentDays?: string;
  namespace?: string;
  output: string;
}

/** `worker exec` (docs/exec.md): also under `everai app worker`. */
function addWorkerExecCommand(group: Command): void {
  // The command's own options (`sh -c ...`) pass through untouched; commander allows that only
  // when every command above reads its options before its subcommand, which none of them minds.
  for (let command: Command | null = group; command; command = command.parent) command.enablePositionalOptions();
  group
    .command('exec')
    .description("run a command in a worker's folder, with its env and mounts; exits with the command's exit code")
    .argument('<worker>', 'worker id (see `everai worker list`)')
    .argument('<command...>', 'the command and its arguments (options after the command are its own)')
    .option('-i, --stdin', 'pass this terminal\'s stdin to the command')
    .option('-t, --tty', 'run the command on a pseudo-terminal')
    .passThroughOptions()
    .action(async (id: string, argv: string[], opts: { stdin?: boolean; tty?: boolean }) => {
      // Loaded on use, like the image push client.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { execInWorker } = require('../../client/exec-client') as typeof import('../../client/exec-client');
      process.exitCode = await execInWorker(new ApiClient(), { workerId: id, argv, stdin: opts.stdin === true, tty: opts.tty === true });
    });
}

/** `worker list` and `worker exec`: the same commands under `everai worker` and `everai app worker`. */
export function addWorkerSubcommands(group: Command): void {
  addWorkerExecCommand(group);
  const list = group.command('list').alias('ls').description("list an app's workers (terminated ones with -a)");
  list
    .argument('[app]', 'app name (default: the app in the current directory)')
    .option('-a, --all', 'include terminated and failed workers')
    .option('-d, --recent-days <n>', 'only workers created in the last N days')
    .option('-n, --namespace <ns>', 'namespace')
    .option(...OUTPUT_OPTION)
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
  addWorkerSubcommands(worker);
  addWorkerScaleCommands(worker);
  worker
    .command('logs')
    .description("what a worker printed (stdout and stderr); -f follows it until the worker ends")
    .argument('<worker>', 'worker id (see `everai worker list`)')
    .option('-f, --follow', 'keep printing what the worker prints')
    .option('-t, --timestamps', 'put the time the server received each line before it (RFC 3339, UTC)')
    .option(...SINCE_OPTION)
    .action(async (id: string, opts: { follow?: boolean; timestamps?: boolean; since?: string }) => {
      const query = new URLSearchParams();
      if (opts.follow) query.set('follow', 'true');
      if (opts.timestamps) query.set('timestamps', 'true');
      if (opts.since) query.set('since', sinceTime(opts.since));
      for await (const chunk of streamFrom(`/api/apps/v1/workers/${encodeURIComponent(id)}/logs`, query)) process.stdout.write(chunk);
    });
}
