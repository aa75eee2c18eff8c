import type { NamespaceRecord } from '../records';
import type { NamespaceStore } from '../store';
import type { SqlConnection } from './sql-connection';
import { fromColumns } from './sql-rows';
import { insertRecord } from './sql-write';

export function sqlNamespaceStore(db: SqlConnection): NamespaceStore {
  return {
    create: (namespace) => insertRecord(db, 'namespaces', namespace, () => `namespace '${namespace.name}' already exists`),
    get: async (ownerId, name) => {
      const [row] = await db.all('SELECT * FROM namespaces WHERE owner_id = ? AND name = ?', [ownerId, name]);
      return row ? fromColumns<NamespaceRecord>(row) : undefined;
    },
    list: async (ownerId) =>
      (await db.all('SELECT * FROM namespaces WHERE owner_id = ? ORDER BY name', [ownerId])).map((row) => fromColumns<NamespaceRecord>(row)),
    delete: async (ownerId, name) => {
      await db.run('DELETE FROM namespaces WHERE owner_id = ? AND name = ?', [ownerId, name]);
    },
  };
}
