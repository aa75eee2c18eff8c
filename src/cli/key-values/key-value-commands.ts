import type { Command } from 'commander';
import { formatTime } from '../../contract/time';
import type { KeyValueKind } from '../../contract/key-value-view';
import type { KeyValueView } from '../../contract/key-value-view';
import { type Column, OUTPUT_OPTION, parseOutputFormat, printList, printObject, renderTable } from '../output';
import { KeyValueClient } from './key-value-client';
import { itemsFromOptions } from './key-value-input';


export const KEY_VALUE_COLUMNS: Column<KeyValueView>[] = [
  { header: 'NAME', value: (o) => o.name },
  { header: 'ITEMS', value: (o) => o.items },
  { header: 'CREATED_AT', value: (o) => formatTime(o.createdAt) },
  { header: 'VERSION', value: (o) => o.version, wide: true },
  { header: 'UPDATED_AT', value: (o) => formatTime(o.updatedAt), wide: true },
];

const plural = (n: number) => `${n} item${n === 1 ? '' : 's'}`;
const collect = (value: string, previous: string[]) => [...previous, value];

/**
 * `create|update|delete|list|get` for secrets and configmaps alike (docs/secrets.md); `word` is how the
 * user says the kind (`secret`, `configmap`). Returns the group for kind-specific commands.
 */
export function registerKeyValueCommands(program: Command, kind: KeyValueKind, word: string, valuesNote: string): Command {
  const title = kind;
  const group = program.command(word);
  const client = () => new KeyValueClient(kind);

  for (const verb of ['create', 'update'] as const) {
    group
      .command(verb)
      .description(verb === 'create' ? `create a ${word} (version 1)` : `replace every item of a ${word}: a new version, which \`everai app update\` rolls out`)
      .argument('<name>', `${word} name (a lowercase DNS label)`)
      .option('--from-literal <KEY=VALUE>', 'one item (repeatable)', collect, [])
      .option('--from-file <file>', `a YAML mapping KEY: value (or a Kubernetes-style data:), ${valuesNote}`)
      .action(async (name: string, opts: { fromLiteral: string[]; fromFile?: string }) => {
        const items = itemsFromOptions(kind, opts);
        if (verb === 'create') {
          const created = await client().create(name, items);
          console.log(`${title} '${name}' created: version ${created.version}, ${plural(created.items)}`);
          return;
        }
        const { changed, object } = await client().update(name, items);
        console.log(
          changed
            ? `${title} '${name}' updated to version ${object.version}, ${plural(object.items)}; \`everai app update\` rolls it out to apps that use it`
            : `${title} '${name}' is unchanged at version ${object.version}`,
        );
      });
  }

  group
    .command('delete')
    .description(`delete a ${word} and all its versions`)
    .argument('<name>', `${word} name`)
    .action(async (name: string) => {
      await client().delete(name);
      console.log(`${title} '${name}' deleted`);
    });

  group
    .command('list')
    .alias('ls')
    .description(`list your ${word}s (never their values)`)
    .option(...OUTPUT_OPTION)
    .action(async (opts: { output: string }) => {
      printList(await client().list(), KEY_VALUE_COLUMNS, parseOutputFormat(opts.output));
    });

  group
    .command('get')
    .description(`show a ${word}'s keys; -o json or yaml shows its values too (${valuesNote})`)
    .argument('<name>', `${word} name`)
    .option(...OUTPUT_OPTION)
    .action(async (name: string, opts: { output: string }) => {
      const format = parseOutputFormat(opts.output);
      const object = await client().get(name, format === 'json' || format === 'yaml');
      printObject(object, format, () => {
        const keys = renderTable(object.keys ?? [], [{ header: 'KEY', value: (key: string) => key }]);
        return `${title} '${name}': version ${object.version}, ${plural(object.items)}, updated ${formatTime(object.updatedAt)}\n${keys}`;
      });
    });

  return group;
}
