/** How many of its log's last lines a failure looks through: enough to reach above a stack trace of Node's default 10 frames. */
export const LAST_OUTPUT_LINES = 20;

/** Lines that say where, not what: a stack frame (`    at f (app.ts:3:9)`) and the `Node.js v20.11.1` Node prints under an uncaught error. */
const WHERE_ONLY = [/^\s+at /, /^Node\.js v\d/];
/** A line that reports a failure: an error's name (`TypeError: ...`, `ValueError: ...`), or `failed`, `panic`, `fatal`. */
const REPORTS_FAILURE = /\w*(Error|Exception)\b|\b(failed|panic|fatal)\b/i;

const whereOnly = (line: string) => WHERE_ONLY.some((pattern) => pattern.test(line));

/**
 * A failed worker's reason with what it printed last, as events and `worker list` show it. The
 * first line (all a table shows, and what an app's status keeps) ends with the last line that
 * reports a failure, else the last line that is no stack frame; the stack frames printed right
 * after it follow on the next lines. Chosen by what a line says, not only by where it is: a
 * container's stdout and stderr reach its log through two pipes (runc copies each on its own), so
 * a line printed before an error may land after it.
 */
export function withLastOutput(why: string, log: string): string {
  const lines = log.split('\n').filter((line) => line.trim() !== '');
  if (lines.length === 0) return why;
  let said = lines.findLastIndex((line) => !whereOnly(line) && REPORTS_FAILURE.test(line));
  if (said < 0) said = lines.findLastIndex((line) => !whereOnly(line));
  if (said < 0) said = 0;
  let end = said + 1;
  while (end < lines.length && whereOnly(lines[end] ?? '')) end++;
  return [`${why}; last output: ${lines[said]?.trim() ?? ''}`, ...lines.slice(said + 1, end)].join('\n');
}
