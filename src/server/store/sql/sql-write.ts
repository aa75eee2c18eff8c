import { EveraiError } from '../../../contract/errors';
import { UniqueViolation, type SqlConnection } from './sql-connection';
import { insertSql, toColumns, updateSql } from './sql-rows';

/**
 * Inserts a record. A name taken meanwhile (two creates racing past the caller's own check) is
 * EVERAI_CONFLICT with `taken` as its message, the same 409 the check gives, never a 500.
 */
export async function insertRecord(
  connection: SqlConnection,
  table: string,
  record: object,
  taken: () => string,
  json: readonly string[] = [],
): Promise<void> {
  const { sql, params } = insertSql(table, toColumns(record, json));
  try {
    await connection.run(sql, params);
  } catch (error) {
    if (error instanceof UniqueViolation) throw new EveraiError('EVERAI_CONFLICT', taken(), { cause: error.cause });
    throw error;
  }
}

export async function updateRecord(
  connection: SqlConnection,
  table: string,
  key: string,
  id: string,
  changes: object,
  json: readonly string[] = [],
): Promise<void> {
  const row = toColumns(changes, json);
  if (Object.keys(row).length === 0) return;
  const { sql, params } = updateSql(table, row, key, id);
  await connection.run(sql, params);
}
