import type { Command } from 'commander';
import { EveraiError } from '../../contract/errors';
import type { AppView, RevisionView } from '../../contract/api-views';
import { ApiClient } from '../../client/api-client';
import { appPath, appTarget, NS_OPTION } from '../app-target';
import { OUTPUT_OPTION, parseOutputFormat, printList } from '../output';
import { REVISION_COLUMNS } from '../views';
import { FORCE_OPTION, reportRollout } from './app-rollout-report';

/** `app revisions` and `app rollback`: an app's history, and going back in it hot. */
export function registerAppRevisionCommands(group: Command): void {
  group
    .command('revisions')
    .description("an app's revisions: what each pinned, which serve, which is the target and which failed")
    .argument('[name]', 'app name (default: the app in the current directory)')
    .option(...NS_OPTION)
    .option(...OUTPUT_OPTION)
    .action(async (name: string | undefined, opts: { namespace?: string; output: string }) => {
      const format = parseOutputFormat(opts.output);
      const target = await appTarget(name, opts.namespace);
      const { revisions } = await new ApiClient().get<{ revisions: RevisionView[] }>(appPath(target, '/revisions'));
      printList(revisions, REVISION_COLUMNS, format);
    });

  group
    .command('rollback')
    .description('roll back hot to an earlier revision (default: the one that served before the last rollout)')
    .argument('[name]', 'app name (default: the app in the current directory)')
    .option('--to <revision>', 'the revision to go back to')
    .option(...NS_OPTION)
    .option(...FORCE_OPTION)
    .action(async (name: string | undefined, opts: { to?: string; namespace?: string; force?: boolean }) => {
      const to = opts.to === undefined ? undefined : Number(opts.to);
      if (to !== undefined && (!Number.isInteger(to) || to < 1)) {
        throw new EveraiError('EVERAI_USAGE', `--to wants a revision number, got '${opts.to}'`);
      }
      const target = await appTarget(name, opts.namespace);
      const client = new ApiClient();
      const before = await client.get<{ app: AppView }>(appPath(target));
      const { app } = await client.request<{ app: AppView }>('POST', appPath(target, ':rollback'), { ...(to === undefined ? {} : { to }), force: opts.force === true });
      await reportRollout(client, target, before.app, app);
    });
}
