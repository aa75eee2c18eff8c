/**
 * Mapping between camelCase record fields and snake_case columns. Booleans are written as 0/1,
 * which SQLite stores as integers and PostgreSQL reads into BOOLEAN columns; reads take either.
 */

type Row = Record<string, unknown>;

function toSnake(field: string): string {
  return field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

function toCamel(column: string): string {
  return column.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

export function toColumns(record: object, jsonFields: readonly string[] = []): Row {
  const row: Row = {};
  for (const [field, value] of Object.entries(record)) {
    if (value === undefined) continue;
    row[toSnake(field)] = jsonFields.includes(field)
      ? JSON.stringify(value)
      : typeof value === 'boolean'
        ? Number(value)
        : value;
  }
  return row;
}

export function fromColumns<T>(
  row: unknown,
  options: { booleans?: readonly string[]; json?: readonly string[]; rename?: Record<string, string> } = {},
): T {
  const record: Row = {};
  for (const [column, value] of Object.entries(row as Row)) {
    const field = options.rename?.[column] ?? toCamel(column);
    if (options.booleans?.includes(field)) record[field] = value === 1 || value === true;
    else if (options.json?.includes(field)) record[field] = JSON.parse(value as string);
    else record[field] = value;
  }
  return record as T;
}

export interface Statement {
  sql: string;
  params: unknown[];
}

export function insertSql(table: string, row: Row): Statement {
  const columns = Object.keys(row);
  return { sql: `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`, params: Object.values(row) };
}

export function updateSql(table: string, row: Row, key: string, id: string): Statement {
  const sets = Object.keys(row).map((c) => `${c} = ?`);
  return { sql: `UPDATE ${table} SET ${sets.join(', ')} WHERE ${key} = ?`, params: [...Object.values(row), id] };
}
