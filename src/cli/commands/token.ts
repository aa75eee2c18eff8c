import type { Command } from 'commander';
import { ApiClient } from '../../client/api-client';
import { cliToken, configPath, readCliConfig, writeCliConfig } from '../../client/config-file';
import { EveraiError } from '../../contract/errors';
import { renderDetails } from '../detail-view';

/**
 * `everai token`: the token the CLI uses, shown only when asked for (no other command prints it,
 * but `user create` and `token rotate`, once, for a new one); `everai token rotate` replaces it.
 */
export function registerTokenCommands(program: Command): void {
  const group = program.command('token').description('your token: `everai token` shows it, `everai token rotate` replaces it');

  group
    .command('show', { isDefault: true })
    .description('show your token, the server it is for, and how to send it to an app route')
    .option('-q, --quiet', 'print the token alone (curl -H "Authorization: Bearer $(everai token -q)" ...)')
    .action((opts: { quiet?: boolean }) => {
      const current = cliToken();
      if (!current) throw new EveraiError('EVERAI_UNAUTHENTICATED', 'not logged in: run `everai login --token TOKEN`');
      if (opts.quiet) {
        console.log(current.token);
        return;
      }
      const server = new ApiClient().baseUrl;
      console.log(
        renderDetails([
          { label: 'Token', value: current.token },
          { label: 'From', value: current.from === 'EVERAI_TOKEN' ? 'the EVERAI_TOKEN environment variable' : `everai login (${configPath()})` },
          { label: 'Endpoint', value: server },
          { label: 'Use it as', value: `curl -H "Authorization: Bearer ${current.token}" ${server}/api/apps/v1/routes/ROUTE_NAME/PATH` },
        ]),
      );
    });

  group
    .command('rotate')
    .description('replace your token with a new one; the old one stops working at once')
    .action(async () => {
      const { token } = await new ApiClient().request<{ token: string }>('POST', '/api/v1/token:rotate');
      // The CLI keeps working: it remembers the new token where it kept the old one.
      if (cliToken()?.from === 'login') writeCliConfig({ ...readCliConfig(), token });
      console.log('Your new token (shown only now; the old one no longer works):');
      console.log(token);
    });
}
