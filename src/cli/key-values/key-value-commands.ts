import type { Command } from 'commander';
import { formatTime } from '../../contract/time';
import type { KeyValueKind } from '../../contract/key-value-view';
import type { KeyValueUpdate, KeyValueView } from '../../contract/key-value-view';
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
const LITERAL_OPTION = ['--from-literal <KEY=VALUE>', 'one item (repeatable)', collect, [] as string[]] as const;
const fromFileOption = (valuesNote: string) => ['--from-file <file>', `a YAML mapping KEY: value (or a Kubernetes-style data:), ${valuesNote}`] as const;

/** What an update did, key by key, and when each app that uses the object sees the new version. */
function updateMessage(title: string, name: string, update: KeyValueUpdate): string {
  const { object } = update;
  if (!update.changed) return `${title} '${name}' is unchanged at version ${object.version}, ${plural(object.items)}`;
  const changes = (
    [
      ['added', update.added],
      ['removed', update.removed],
      ['changed', update.modified],
    ] as const
  )
    .filter(([, keys]) => keys.length > 0)
    .map(([verb, keys]) => `${verb} ${keys.join(', ')}`);
  const lines = [`${title} '${name}' updated to version ${object.version}, ${plural(object.items)}: ${changes.join('; ')}`];
  if (update.scaledBy.length > 0) lines.push(`The autoscaler of ${update.scaledBy.join(', ')} reads it from its next round.`);
  if (update.pinnedBy.length > 0) lines.push(`Apps that pin an earlier version (${update.pinnedBy.join(', ')}) get version ${object.version} with \`everai app update\`.`);
  return lines.join('\n');
}

/**
 * `create|update|delete|list|get` for secrets and configmaps alike (docs/secrets.md); `word` is how the
 * user says the kind (`secret`, `configmap`). Returns the group for kind-specific commands.
 */
export function registerKeyValueCommands(program: Command, kind: KeyValueKind, word: string, valuesNote: string): Command {
  const title = kind;
  const group = program.command(word);
  const client = () => new KeyValueClient(kind);

  group
    .command('create')
    .description(`create a ${word} (version 1)`)
    .argument('<name>', `${word} name (a lowercase DNS label)`)
    .option(...LITERAL_OPTION)
    .option(...fromFileOption(valuesNote))
    .action(async (name: string, opts: { fromLiteral: string[]; fromFile?: string }) => {
      const created = await client().create(name, itemsFromOptions(kind, opts));
      console.log(`${title} '${name}' created: version ${created.version}, ${plural(created.items)}`);
    });

  group
    .command('update')
    .description(`a new version of a ${word}: the given items replace all of them, or with --merge only those keys`)
    .argument('<name>', `${word} name`)
    .option(...LITERAL_OPTION)
    .option(...fromFileOption(valuesNote))
    .option('--merge', 'set the given keys and keep every other one')
    .action(async (name: string, opts: { fromLiteral: string[]; fromFile?: string; merge?: boolean }) => {
      const update = await client().update(name, itemsFromOptions(kind, opts), opts.merge ?? false);
      console.log(updateMessage(title, name, update));
    });

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
