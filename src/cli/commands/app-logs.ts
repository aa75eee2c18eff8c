import type { Command } from 'commander';
import type { LogEntryView } from '../../contract/api-views';
import { appPath, appTarget, NS_OPTION } from '../app-target';
import { SINCE_OPTION, sinceTime } from '../log-since';
import { streamFrom } from '../log-stream';

/** `app logs`: every worker's lines, interleaved in time, each with its time and worker. */
export function registerAppLogsCommand(group: Command): void {
  group
    .command('logs')
    .description("what the app's workers printed, terminated ones too, in time order; -f follows (new workers included) until Ctrl-C")
    .argument('[name]', 'app name (default: the app in the current directory)')
    .option('-f, --follow', 'keep printing what the workers print')
    .option(...SINCE_OPTION)
    .option(...NS_OPTION)
    .action(async (name: string | undefined, opts: { follow?: boolean; since?: string; namespace?: string }) => {
      const query = new URLSearchParams();
      if (opts.follow) query.set('follow', 'true');
      if (opts.since) query.set('since', sinceTime(opts.since));
      const decoder = new TextDecoder();
      let pending = '';
      for await (const chunk of streamFrom(appPath(await appTarget(name, opts.namespace), '/logs'), query)) {
        const lines = (pending + decoder.decode(chunk, { stream: true })).split('\n');
        pending = lines.pop() ?? '';
        const shown = lines.filter(Boolean).map((line) => {
          const entry = JSON.parse(line) as LogEntryView;
          return `${entry.time}  ${entry.workerId}  ${entry.line}\n`;
        });
        process.stdout.write(shown.join(''));
      }
    });
}
