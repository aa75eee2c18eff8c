import type { Command } from 'commander';
import { formatTime } from '../../contract/time';
import { ApiClient } from '../../client/api-client';
import { readCliConfig, writeCliConfig } from '../../client/config-file';
import { OUTPUT_OPTION, parseOutputFormat, printList, type Column } from '../output';

interface UserView {
  id: string;
  name: string;
  isAdmin: boolean;
  createdAt: string;
}

const USER_COLUMNS: Column<UserView>[] = [
  { header: 'NAME', value: (u) => u.name },
  { header: 'ADMIN', value: (u) => (u.isAdmin ? 'yes' : 'no') },
  { header: 'CREATED_AT', value: (u) => formatTime(u.createdAt) },
  { header: 'ID', value: (u) => u.id, wide: true },
];

/** `everai user ...` (admin) and `everai token rotate` (anyone, for themselves): docs/tenancy.md. */
export function registerUserCommands(program: Command): void {
  const group = program.command('user').description('users (admin only): each gets a token, shown once');

  group
    .command('create')
    .description("create a user and print their token (it is shown only now)")
    .argument('<name>', 'user name (a lowercase DNS label)')
    .action(async (name: string) => {
      const { user, token } = await new ApiClient().request<{ user: UserView; token: string }>('POST', '/api/v1/users', { name });
      console.log(`User '${user.name}' created. Their token (shown only now):`);
      console.log(token);
    });

  group
    .command('list')
    .alias('ls')
    .description('list users')
    .option(...OUTPUT_OPTION)
    .action(async (opts: { output: string }) => {
      const format = parseOutputFormat(opts.output);
      const { users } = await new ApiClient().get<{ users: UserView[] }>('/api/v1/users');
      printList(users, USER_COLUMNS, format);
    });

  group
    .command('delete')
    .description("delete a user: their token stops working at once, their apps drain and everything they own goes")
    .argument('<name>', 'user name')
    .action(async (name: string) => {
      await new ApiClient().request('DELETE', `/api/v1/users/${encodeURIComponent(name)}`);
      console.log(`User '${name}' deleted`);
    });

  program
    .command('token')
    .description('your token')
    .command('rotate')
    .description('replace your token with a new one; the old one stops working at once')
    .action(async () => {
      const { token } = await new ApiClient().request<{ token: string }>('POST', '/api/v1/token:rotate');
      // The CLI keeps working: it remembers the new token where it kept the old one.
      if (!process.env.EVERAI_TOKEN && readCliConfig().token) writeCliConfig({ ...readCliConfig(), token });
      console.log('Your new token (shown only now; the old one no longer works):');
      console.log(token);
    });
}
