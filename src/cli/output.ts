import type * as Yaml from 'yaml';
import { EveraiError } from '../contract/errors';

/** The yaml package is 72 files: loaded for `-o yaml` only, not by every command that prints. */
function toYaml(value: unknown): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('yaml') as typeof Yaml).stringify(value);
}

export type OutputFormat = 'table' | 'wide' | 'json' | 'yaml';
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['table', 'wide', 'json', 'yaml'];

export function parseOutputFormat(value: string): OutputFormat {
  if (!(OUTPUT_FORMATS as readonly string[]).includes(value)) {
    throw new EveraiError('EVERAI_USAGE', `unknown output format '${value}': use one of ${OUTPUT_FORMATS.join(', ')}`);
  }
  return value as OutputFormat;
}

export interface Column<T> {
  header: string;
  value: (row: T) => string | number | null | undefined;
  /** Only in `-o wide`. */
  wide?: boolean;
}

/**
 * The seed's plain table: a header row, a row of dashes under each column, two spaces between
 * columns, numbers right-aligned.
 */
export function renderTable<T>(rows: readonly T[], columns: readonly Column<T>[], wide = false): string {
  const shown = columns.filter((c) => wide || !c.wide);
  const cells = rows.map((row) => shown.map((c) => c.value(row)));
  const widths = shown.map((c, i) => Math.max(c.header.length, ...cells.map((r) => String(r[i] ?? '').length)));
  const numeric = shown.map((_, i) => cells.length > 0 && cells.every((r) => typeof r[i] === 'number'));
  const line = (values: readonly (string | number | null | undefined)[], header = false) =>
    values
      .map((v, i) => {
        const text = String(v ?? '');
        const width = widths[i] as number;
        return !header && numeric[i] ? text.padStart(width) : text.padEnd(width);
      })
      .join('  ')
      .trimEnd();
  return [
    line(shown.map((c) => c.header), true),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...cells.map((r) => line(r)),
  ].join('\n');
}

/** Prints rows as the chosen format: the table, or the API objects as JSON or YAML. */
export function printList<T>(rows: readonly T[], columns: readonly Column<T>[], format: OutputFormat): void {
  if (format === 'json') console.log(JSON.stringify(rows, null, 2));
  else if (format === 'yaml') process.stdout.write(toYaml(rows));
  else console.log(renderTable(rows, columns, format === 'wide'));
}

export function printObject(value: unknown, format: OutputFormat, table: () => string): void {
  if (format === 'json') console.log(JSON.stringify(value, null, 2));
  else if (format === 'yaml') process.stdout.write(toYaml(value));
  else console.log(table());
}

/** The `-o/--output` option every list and get command takes. */
export const OUTPUT_OPTION = ['-o, --output <format>', 'table, wide, json or yaml', 'table'] as const;
