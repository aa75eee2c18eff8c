import type { Command } from 'commander';
import { promises as fs } from 'node:fs';
import { EveraiError } from '../../contract/errors';
import { ifExists } from '../../contract/if-exists';
import { formatBytes } from '../../client/image/push-progress';
import { VolumeClient, type PullResult, type PushResult } from '../../client/volumes/volume-client';
import { ApiClient } from '../../client/api-client';
import { OUTPUT_OPTION, parseOutputFormat, printList, printObject } from '../output';
import { describeVolume, renderFileTree, VOLUME_COLUMNS } from '../volume-views';


function client(): VolumeClient {
  return new VolumeClient(new ApiClient());
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function pushSummary(name: string, result: PushResult, updateOnly: boolean): string {
  const uploaded = `uploaded ${plural(result.uploadedFiles, 'file')} (${formatBytes(result.uploadedBytes)})`;
  const lines = result.created
    ? [`Volume '${name}': pushed revision ${result.revision}, ${uploaded}`]
    : [`Volume '${name}' is unchanged at revision ${result.revision}: nothing to push${result.uploadedFiles > 0 ? ` (${uploaded})` : ''}`];
  if (result.merged) {
    lines.push(
      `Merged: revision ${result.mergedWith ?? '?'} was pushed from elsewhere since this copy was pulled; both pushes' changes are kept` +
        (updateOnly ? '.' : ', and the local copy now has the other\'s too.'),
    );
  }
  return lines.join('\n');
}

function pullSummary(name: string, result: PullResult, path: string): string {
  const deleted = result.deletedFiles > 0 ? `, deleted ${plural(result.deletedFiles, 'local file')} the revision lacks` : '';
  return `Volume '${name}' at revision ${result.revision} in ${path}: downloaded ${result.downloadedFiles} of ${plural(result.files, 'file')} (${formatBytes(result.downloadedBytes)})${deleted}`;
}

/** `everai volume ...` (docs/volumes.md): parse the command line, call the volume client. */
export function registerVolumeCommands(program: Command): void {
  const group = program.command('volume').description('volumes: versioned files for apps, with a local copy to push and pull');

  group
    .command('create')
    .description('create an empty volume (revision 000000-000) and its local copy')
    .argument('<name>', 'volume name')
    .action(async (name: string) => {
      const volumes = client();
      const view = await volumes.create(name);
      console.log(describeVolume(view, volumes.localPath(view)));
    });

  group
    .command('list')
    .alias('ls')
    .description('list your volumes')
    .option(...OUTPUT_OPTION)
    .action(async (opts: { output: string }) => {
      const format = parseOutputFormat(opts.output);
      printList(await client().list(), VOLUME_COLUMNS, format);
    });

  group
    .command('get')
    .description("show a volume and where its local copy is (OWNER/NAME for another user's published volume)")
    .argument('<name>', 'NAME or OWNER/NAME')
    .option(...OUTPUT_OPTION)
    .action(async (name: string, opts: { output: string }) => {
      const format = parseOutputFormat(opts.output);
      const volumes = client();
      const view = await volumes.get(name);
      const path = volumes.localPath(view);
      printObject({ ...view, path }, format, () => describeVolume(view, path));
    });

  group
    .command('pull')
    .description('bring the local copy to the newest revision, downloading only what it lacks')
    .argument('<name>', 'NAME or OWNER/NAME')
    .option('--force', 're-hash every local file instead of trusting the hash cache')
    .option('--sync', 'also delete local files the revision does not have')
    .option('-o, --output <format>', 'table (a summary line), json or yaml', 'table')
    .action(async (name: string, opts: { force?: boolean; sync?: boolean; output: string }) => {
      const format = parseOutputFormat(opts.output);
      const volumes = client();
      const view = await volumes.get(name);
      const result = await volumes.pull(view, { force: opts.force ?? false, sync: opts.sync ?? false, progress: true });
      printObject(result, format, () => pullSummary(name, result, volumes.localPath(view)));
    });

  group
    .command('push')
    .description(
      'upload the files of the local copy that the platform lacks and commit them as a new revision; ' +
        'files deleted locally are deleted in the new revision unless -u',
    )
    .argument('<name>', 'volume name')
    .option('-u, --update', 'update only: add new and changed files, keep the files the local copy lacks')
    .option('-o, --output <format>', 'table (a summary line), json or yaml', 'table')
    .action(async (name: string, opts: { update?: boolean; output: string }) => {
      const format = parseOutputFormat(opts.output);
      const updateOnly = opts.update ?? false;
      const result = await client().push(name, { updateOnly, progress: true });
      printObject(result, format, () => pushSummary(name, result, updateOnly));
    });

  group
    .command('delete')
    .description('delete a volume on the platform (the local copy stays), its local copy (--local), or both (--all)')
    .argument('<name>', 'volume name')
    .option('--cloud', 'only the volume on the platform (the default)')
    .option('--local', 'only the local copy')
    .option('--all', 'both')
    .option('--force', 'delete a local copy even if it holds files the platform lacks')
    .action(async (name: string, opts: { local?: boolean; cloud?: boolean; all?: boolean; force?: boolean }) => {
      if ([opts.local, opts.cloud, opts.all].filter(Boolean).length > 1) {
        throw new EveraiError('EVERAI_USAGE', 'choose one of --cloud, --local and --all');
      }
      const volumes = client();
      const local = opts.local || opts.all;
      // Checked before anything is deleted: a copy with unpushed work keeps the volume whole.
      const copy = local ? await volumes.localCopyToDelete(name, { force: opts.force }) : undefined;
      if (!opts.local) {
        const view = await volumes.get(name);
        await volumes.deleteCloud(name);
        console.log(`Volume '${name}' deleted from the platform${local ? '' : await keptCopyNote(volumes.localPath(view), name)}`);
      }
      if (!local) return;
      if (copy) await volumes.deleteLocal(copy);
      console.log(copy ? `Local copy of volume '${name}' removed (${copy.path})` : `Volume '${name}' had no local copy`);
    });

  group
    .command('publish')
    .description('make a volume readable (never writable) by every user, as OWNER/NAME')
    .argument('<name>', 'volume name')
    .action(async (name: string) => {
      const view = await client().publish(name);
      console.log(`Volume '${view.name}' is published: every user can pull it as ${view.owner}/${view.name}`);
    });

  group
    .command('tree')
    .alias('tr')
    .description("draw the files of a volume's newest revision as a tree")
    .argument('<name>', 'NAME or OWNER/NAME')
    .option('-r, --revision <revision>', 'another revision than the newest')
    .action(async (name: string, opts: { revision?: string }) => {
      const list = await client().files(name, opts.revision);
      console.log(renderFileTree(`${name} (revision ${list.revision})`, list.files));
    });
}

/** Where the copy that `volume delete` keeps is, and how to remove it too. */
async function keptCopyNote(path: string, name: string): Promise<string> {
  if (!(await ifExists(fs.stat(path)))) return '';
  return `; its local copy stays at ${path} (everai volume delete ${name} --local removes it)`;
}
