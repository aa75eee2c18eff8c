import type { Command } from 'commander';
import type { WhoAmIView } from '../../contract/api-views';
import { EveraiError } from '../../contract/errors';
import { isToken } from '../../contract/ids';
import { VERSION } from '../../contract/version';
import { everaiHome } from '../../contract/everai-home';
import { ApiClient } from '../../client/api-client';
import { clearCliConfig, endpoint, readCliConfig, volumeRoot, writeCliConfig } from '../../client/config-file';

/** login, logout, config, version: who the CLI is and where it points. */
export function registerConfigCommands(program: Command): void {
  program
    .command('login')
    .description('check a token against the server and remember it')
    .requiredOption('--token <token>', 'your everai_ token')
    .option('--endpoint <url>', 'the server URL', undefined)
    .action(async (opts: { token: string; endpoint?: string }) => {
      if (!isToken(opts.token)) throw new EveraiError('EVERAI_USAGE', 'a token is everai_ followed by 22 base57 characters');
      const url = (opts.endpoint ?? endpoint()).replace(/\/+$/, '');
      const me = await new ApiClient(url, opts.token).get<WhoAmIView>('/api/v1/whoami');
      writeCliConfig({ ...readCliConfig(), endpoint: url, token: opts.token });
      console.log(`Logged in to ${url} as ${me.name}`);
    });

  program
    .command('logout')
    .description('forget the remembered token')
    .action(() => {
      clearCliConfig();
      console.log('Logged out');
    });

  program
    .command('config')
    .description('print the configuration the CLI runs with')
    .action(() => {
      console.log(`EVERAI_HOME ${everaiHome()}`);
      console.log(`EVERAI_ENDPOINT ${endpoint()}`);
      console.log(`EVERAI_VOLUME_ROOT ${volumeRoot()}`);
    });

  program
    .command('version')
    .description('print the CLI version')
    .action(() => console.log(`everai ${VERSION}`));
}
