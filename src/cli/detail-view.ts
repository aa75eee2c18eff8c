/** One line of a detail view: `Label:  value`, and the lines under it, indented. */
export interface DetailRow {
  label: string;
  value: string;
  rows?: DetailRow[];
}

const INDENT = '  ';

/**
 * A one-object view, as `kubectl describe` prints one: a label and its value a line, the values of
 * each level in one column (a value of several lines goes on in that column), the rows under a
 * label indented beneath it.
 */
export function renderDetails(rows: readonly DetailRow[], depth = 0): string {
  const width = Math.max(...rows.map((r) => r.label.length)) + 1;
  const column = ' '.repeat(INDENT.length * depth + width + 2);
  return rows
    .map((row) => {
      const value = row.value.replaceAll('\n', `\n${column}`);
      const head = `${INDENT.repeat(depth)}${`${row.label}:`.padEnd(width)}  ${value}`.trimEnd();
      return row.rows && row.rows.length > 0 ? `${head}\n${renderDetails(row.rows, depth + 1)}` : head;
    })
    .join('\n');
}
