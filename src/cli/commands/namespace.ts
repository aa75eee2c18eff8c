import type { Command } from 'commander';
import type { NamespaceView } from '../../contract/api-views';
import { formatTime } from '../../contract/time';
import { ApiClient } from '../../client/api-client';
import { OUTPUT_OPTION, parseOutputFormat, printList, type Column } from '../output';

const NAMESPACE_COLUMNS: Column<NamespaceView>[] = [
  { header: 'NAME', value: (n) => n.name },
  { header: 'CREATED_AT', value: (n) => formatTime(n.createdAt) },
];

const NAMESPACES = '/api/apps/v1/namespaces';
const one = (name: string) => `${NAMESPACES}/${encodeURIComponent(name)}`;

/** `everai namespace (ns) ...` (docs/tenancy.md): your namespaces; every user has `default`. */
export function registerNamespaceCommands(program: Command): void {
  const group = program.command('namespace').alias('ns').description('namespaces: where your apps live (-n on app commands)');

  group
    .command('create')
    .description('create a namespace')
    .argument('<name>', 'namespace name (a lowercase DNS label)')
    .action(async (name: string) => {
      await new ApiClient().request('POST', NAMESPACES, { name });
      console.log(`Namespace '${name}' created`);
    });

  group
    .command('get')
    .description('show a namespace')
    .argument('<name>', 'namespace name')
    .option(...OUTPUT_OPTION)
    .action(async (name: string, opts: { output: string }) => {
      const format = parseOutputFormat(opts.output);
      const { namespace } = await new ApiClient().get<{ namespace: NamespaceView }>(one(name));
      printList([namespace], NAMESPACE_COLUMNS, format);
    });

  group
    .command('list')
    .alias('ls')
    .description('list your namespaces')
    .option(...OUTPUT_OPTION)
    .action(async (opts: { output: string }) => {
      const format = parseOutputFormat(opts.output);
      const { namespaces } = await new ApiClient().get<{ namespaces: NamespaceView[] }>(NAMESPACES);
      printList(namespaces, NAMESPACE_COLUMNS, format);
    });

  group
    .command('delete')
    .description('delete a namespace; refused while it holds apps, unless --force (which deletes them)')
    .argument('<name>', 'namespace name')
    .option('--force', 'also delete the apps in it (their workers drain first)')
    .action(async (name: string, opts: { force?: boolean }) => {
      await new ApiClient().request('DELETE', `${one(name)}${opts.force ? '?force=true' : ''}`);
      console.log(`Namespace '${name}' deleted`);
    });
}
