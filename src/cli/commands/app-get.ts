import type { Command } from 'commander';
import type { AppView } from '../../contract/api-views';
import { ApiClient } from '../../client/api-client';
import { appDetails } from '../app-details';
import { appPath, appTarget, NS_OPTION } from '../app-target';
import { renderDetails } from '../detail-view';
import { OUTPUT_OPTION, parseOutputFormat, printObject } from '../output';

/** `app get`: one app in detail; `-o json|yaml` the API's object itself (one object, not a list). */
export function registerAppGetCommand(group: Command): void {
  group
    .command('get')
    .description('show one app in detail: status, revisions, image, route URL, volumes, resources, scaling, workers')
    .argument('[name]', 'app name (default: the app in the current directory)')
    .option(...NS_OPTION)
    .option(...OUTPUT_OPTION)
    .action(async (name: string | undefined, opts: { namespace?: string; output: string }) => {
      const format = parseOutputFormat(opts.output);
      const api = new ApiClient();
      const { app } = await api.get<{ app: AppView }>(appPath(await appTarget(name, opts.namespace)));
      printObject(app, format, () => renderDetails(appDetails(app)));
    });
}
