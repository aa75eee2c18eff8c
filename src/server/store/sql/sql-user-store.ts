import type { UserRecord } from '../records';
import type { UserStore } from '../store';
import type { SqlConnection } from './sql-connection';
import { fromColumns } from './sql-rows';
import { deleteUserRows } from './sql-user-delete';
import { insertRecord, updateRecord } from './sql-write';
import type { Within } from './within';

const USER_ROW = { booleans: ['isAdmin'] } as const;

export function sqlUserStore(db: SqlConnection, within: Within): UserStore {
  const one = async (where: string, value: string) => {
    const [row] = await db.all(`SELECT * FROM users WHERE ${where} = ?`, [value]);
    return row ? fromColumns<UserRecord>(row, USER_ROW) : undefined;
  };
  return {
    create: (user) => insertRecord(db, 'users', user, () => `user '${user.name}' already exists`),
    byTokenHash: (hash) => one('token_hash', hash),
    byName: (name) => one('name', name),
    get: (id) => one('id', id),
    count: async () => Number((await db.all('SELECT count(*) AS n FROM users'))[0]?.n),
    list: async () => (await db.all('SELECT * FROM users ORDER BY name')).map((row) => fromColumns<UserRecord>(row, USER_ROW)),
    setTokenHash: (id, tokenHash) => updateRecord(db, 'users', 'id', id, { tokenHash }),
    delete: (id) => within((tx) => deleteUserRows(tx, id)),
  };
}
