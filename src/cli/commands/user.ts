import type { Command } from 'commander';
import type { UserView } from '../../contract/api-views';
import { formatTime } from '../../contract/time';
import { ApiClient } from '../../client/api-client';
import { OUTPUT_OPTION, parseOutputFormat, printList, type Column } from '../output';

const USER_COLUMNS: Column<UserView>[] = [
  { header: 'NAME', value: (u) => u.name },
  { header: 'ADMIN', value: (u) => (u.isAdmin ? 'yes' : 'no') },
  { header: 'CREATED_AT', value: (u) => formatTime(u.createdAt) },
  { header: 'ID', value: (u) => u.id, wide: true },
];

/** `everai user ...` (admin): docs/tenancy.md. */
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
}
