import type { Command } from 'commander';
import { EveraiError } from '../../contract/errors';
import type { AppView } from '../../contract/api-views';
import type { EventRecord } from '../../contract/api-views';
import { ApiClient } from '../../client/api-client';
import { loadAppDefinition } from '../app-definition';
import { confirm, YES_OPTION } from '../confirm';
import { appPath, appTarget, DEFAULT_NAMESPACE, NS_OPTION } from '../app-target';
import { OUTPUT_OPTION, parseOutputFormat, printList, renderTable } from '../output';
import { APP_COLUMNS, EVENT_COLUMNS, QUEUE_COLUMNS, type QueueEntry } from '../views';
import { registerAppLocalCommands } from './app-local';
import { addWorkerSubcommands } from './worker';
import { registerAppRevisionCommands } from './app-revisions';
import { FORCE_OPTION, reportRollout } from './app-rollout-report';
import { registerAppLogsCommand } from './app-logs';
import { registerAppGetCommand } from './app-get';

const FILE_OPTION = ['-f, --file <file>', 'an app manifest (default: app.ts, else app.yaml, in the current directory)'] as const;

/**
 * The app in the current directory (or `-f FILE`), as the request body the API takes, and its
 * namespace: `-n` when given, else the manifest's `metadata.namespace`, else `default`.
 */
async function localAppRequest(opts: { file?: string; namespace?: string }) {
  const definition = await loadAppDefinition(process.cwd(), opts.file);
  return { ...definition, namespace: opts.namespace ?? definition.namespace ?? DEFAULT_NAMESPACE };
}

export function registerAppCommands(program: Command): void {
  const group = program.command('app').description('apps: create, upgrade, inspect');

  group
    .command('create')
    .description('create the app defined in the current directory (app.ts or app.yaml) and deploy it')
    .option(...FILE_OPTION)
    .option(...NS_OPTION)
    .option('--dry-run', 'check the definition and the image, create nothing')
    .action(async (opts: { file?: string; namespace?: string; dryRun?: boolean }) => {
      const { name, body, namespace } = await localAppRequest(opts);
      if (opts.dryRun) {
        console.log(`App '${name}' is valid (dry run: nothing created)`);
        return;
      }
      const { app } = await new ApiClient().request<{ app: AppView }>('POST', `/api/apps/v1/namespaces/${encodeURIComponent(namespace)}/apps`, body);
      console.log(`App '${app.name}' created in namespace '${app.namespace}' (revision ${app.revision}, image ${app.image})`);
      console.log(`It deploys now; follow it with \`everai app list\` and \`everai worker list\`.`);
    });

  group
    .command('update')
    .description('apply the current definition: settings at once, a changed image by a hot rollout')
    .option(...FILE_OPTION)
    .option(...NS_OPTION)
    .option('--dry-run', 'check the definition, change nothing')
    .option(...FORCE_OPTION)
    .action(async (opts: { file?: string; namespace?: string; dryRun?: boolean; force?: boolean }) => {
      const { name, body, namespace } = await localAppRequest(opts);
      if (opts.dryRun) {
        console.log(`App '${name}' is valid (dry run: nothing changed)`);
        return;
      }
      const api = new ApiClient();
      const target = { namespace, name };
      const before = await api.get<{ app: AppView }>(appPath(target));
      const { app } = await api.request<{ app: AppView }>('PUT', appPath(target), { ...body, force: opts.force === true });
      await reportRollout(api, target, before.app, app);
    });

  group
    .command('upgrade')
    .description('re-resolve what the app runs and roll out a new revision hot if it changed')
    .option('--image', "re-resolve the image (IMAGE of image_builder.ts) to its digest")
    .option('--volume-requests', 're-resolve every requested volume to its newest revision')
    .option('--resource-requests', 'apply changed resource requests')
    .option(...FILE_OPTION)
    .option(...NS_OPTION)
    .option(...FORCE_OPTION)
    .action(async (opts: { image?: boolean; volumeRequests?: boolean; resourceRequests?: boolean; file?: string; namespace?: string; force?: boolean }) => {
      if (!opts.image && !opts.volumeRequests && !opts.resourceRequests) {
        throw new EveraiError('EVERAI_USAGE', 'say what to upgrade: --image, --volume-requests or --resource-requests');
      }
      const { name, body, namespace } = await localAppRequest(opts);
      const target = { namespace, name };
      const api = new ApiClient();
      const before = await api.get<{ app: AppView }>(appPath(target));
      const { app } = await api.request<{ app: AppView }>('POST', appPath(target, ':upgrade'), {
        ...(opts.image ? { image: body.spec.image } : {}),
        ...(opts.volumeRequests ? { volumeRequests: body.spec.volumeRequests } : {}),
        ...(opts.resourceRequests ? { resourceRequests: body.spec.resourceRequests } : {}),
        force: opts.force === true,
      });
      await reportRollout(api, target, before.app, app);
    });

  group
    .command('list')
    .alias('ls')
    .description('list apps')
    .option('-n, --namespace <ns>', 'only this namespace')
    .option('-A, --all-namespaces', 'every namespace')
    .option(...OUTPUT_OPTION)
    .action(async (opts: { namespace?: string; allNamespaces?: boolean; output: string }) => {
      const format = parseOutputFormat(opts.output);
      const path = opts.namespace && !opts.allNamespaces ? `/api/apps/v1/namespaces/${opts.namespace}/apps` : '/api/apps/v1/apps';
      const api = new ApiClient();
      const { apps } = await api.get<{ apps: AppView[] }>(path);
      printList(apps, APP_COLUMNS, format);
    });

  registerAppGetCommand(group);

  for (const [verb, description] of [
    ['pause', 'stop every worker; requests get 503 until resumed'],
    ['resume', 'start the workers of a paused app again'],
  ] as const) {
    group
      .command(verb)
      .description(description)
      .argument('[name]', 'app name (default: the app in the current directory)')
      .option(...NS_OPTION)
      .action(async (name: string | undefined, opts: { namespace?: string }) => {
        const target = await appTarget(name, opts.namespace);
        await new ApiClient().request('POST', appPath(target, `:${verb}`));
        console.log(`App '${target.name}' ${verb === 'pause' ? 'paused' : 'resumed'}`);
      });
  }

  group
    .command('delete')
    .description('delete an app once its workers have drained')
    .argument('[name]', 'app name (default: the app in the current directory)')
    .option(...NS_OPTION)
    .option(...YES_OPTION)
    .action(async (name: string | undefined, opts: { namespace?: string; yes?: boolean }) => {
      const target = await appTarget(name, opts.namespace);
      await confirm(`Delete app '${target.namespace}/${target.name}'? Its workers drain and stop, its route goes.`, opts.yes);
      await new ApiClient().request('DELETE', appPath(target));
      console.log(`App '${target.name}' deleted`);
    });

  group
    .command('events')
    .aliases(['event', 'e'])
    .description("an app's events, newest first")
    .argument('[name]', 'app name (default: the app in the current directory)')
    .option(...NS_OPTION)
    .option(...OUTPUT_OPTION)
    .action(async (name: string | undefined, opts: { namespace?: string; output: string }) => {
      const format = parseOutputFormat(opts.output);
      const { events } = await new ApiClient().get<{ events: EventRecord[] }>(appPath(await appTarget(name, opts.namespace), '/events'));
      printList(events, EVENT_COLUMNS, format);
    });

  group
    .command('queue')
    .alias('q')
    .description("requests waiting for a worker of the app")
    .argument('[name]', 'app name (default: the app in the current directory)')
    .option(...NS_OPTION)
    .option(...OUTPUT_OPTION)
    .action(async (name: string | undefined, opts: { namespace?: string; output: string }) => {
      const format = parseOutputFormat(opts.output);
      const { queue } = await new ApiClient().get<{ queue: QueueEntry[] }>(appPath(await appTarget(name, opts.namespace), '/queue'));
      if (format === 'table' || format === 'wide') console.log(renderTable(queue, QUEUE_COLUMNS));
      else printList(queue, QUEUE_COLUMNS, format);
    });

  const workers = group.command('worker').aliases(['workers', 'w']).description("the app's workers (same as `everai worker`)");
  addWorkerSubcommands(workers);
  registerAppRevisionCommands(group);
  registerAppLogsCommand(group);
  registerAppLocalCommands(group);
}
