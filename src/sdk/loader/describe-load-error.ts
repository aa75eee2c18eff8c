import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { isAbsolute, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { missingExportHint, missingMemberHint } from './member-hint';

/** Where in the user's code something went wrong. */
interface Location {
  file: string;
  line: number;
  column?: number;
}

/**
 * One line saying what is wrong with an app that failed to load and where:
 * `app.ts:12:13: app.service.rout is not a function — 'Service' has no member 'rout' (did you
 * mean 'route'?)`. Locations are the user's own lines: tsx keeps source maps, so a stack frame in
 * a `.ts` file already points into the source, not into what esbuild made of it.
 */
export function describeLoadError(error: unknown, dir: string, appFile: string): string {
  const message = error instanceof Error ? error.message : String(error);
  const found =
    transformErrorLocation(message) ??
    parseErrorLocation(message) ??
    linkErrorLocation(error) ??
    compileErrorLocation(error, join(dir, appFile));
  const location = found ?? stackLocation(error, dir);
  const text = found?.message ?? firstLine(message);
  const hint = hintFor(text, location);
  const where = location ? formatLocation(location, dir) : appFile;
  return `${where}: ${text}${hint ? ` — ${hint}` : ''}`;
}

function firstLine(text: string): string {
  return text.split('\n', 1)[0]?.trim() ?? '';
}

function formatLocation({ file, line, column }: Location, dir: string): string {
  const rel = relative(dir, file);
  const shown = rel.startsWith('..') || isAbsolute(rel) ? file : rel.split(sep).join('/');
  return column === undefined ? `${shown}:${line}` : `${shown}:${line}:${column}`;
}

/** esbuild (through tsx) reports `/abs/app.ts:3:48: ERROR: Expected ";" but found ")"`. */
function transformErrorLocation(message: string): (Location & { message: string }) | undefined {
  const m = /^(.+?):(\d+):(\d+): ERROR: (.+)$/m.exec(message);
  if (!m?.[1] || !m[4]) return undefined;
  return { file: m[1], line: Number(m[2]), column: Number(m[3]) + 1, message: m[4] };
}

/** Node's syntax check of a JavaScript file says where and what, where a loader did not. */
function checkSyntax(file: string): (Location & { message: string }) | undefined {
  const check = spawnSync(process.execPath, ['--check', file], { encoding: 'utf8' });
  return check.status === 0 ? undefined : syntaxErrorOutput(check.stderr);
}

/** tsx's own lexer fails on a broken `.js`/`.mjs` with a useless `Parse error FILE:1:1`. */
function parseErrorLocation(message: string): (Location & { message: string }) | undefined {
  const m = /^Parse error (.+?):\d+:\d+$/m.exec(message);
  if (!m?.[1]) return undefined;
  return checkSyntax(m[1]) ?? { file: m[1], line: 1, message: 'the file does not parse' };
}

/**
 * Node 20 compiles an ES module without saying which file or line failed; when that file is the
 * app's own JavaScript, its syntax check finds the place.
 */
function compileErrorLocation(error: unknown, appPath: string): (Location & { message: string }) | undefined {
  const compiling = error instanceof SyntaxError && error.stack?.includes('compileSourceTextModule');
  return compiling && /\.[cm]?js$/.test(appPath) ? checkSyntax(appPath) : undefined;
}

/**
 * V8's report of a syntax or link error (`import { Apps } from 'everai'`):
 * `FILE:LINE`, the source line, a caret line, a blank line, then `SyntaxError: ...`.
 */
function syntaxErrorOutput(text: string): (Location & { message: string }) | undefined {
  const lines = text.split('\n');
  const head = /^(.+):(\d+)$/.exec(lines[0] ?? '');
  const caret = (lines[2] ?? '').indexOf('^');
  const errorLine = lines.find((l) => /^\w*Error: /.test(l));
  if (!head?.[1] || !errorLine) return undefined;
  const file = head[1].startsWith('file://') ? fileURLToPath(head[1]) : head[1];
  const location: Location & { message: string } = {
    file,
    line: Number(head[2]),
    message: errorLine.replace(/^\w*Error: /, ''),
  };
  if (caret >= 0) location.column = caret + 1;
  return location;
}

function linkErrorLocation(error: unknown): (Location & { message: string }) | undefined {
  return error instanceof SyntaxError && error.stack ? syntaxErrorOutput(error.stack) : undefined;
}

/** The first stack frame in the app's own files (not its node_modules). */
function stackLocation(error: unknown, dir: string): Location | undefined {
  if (!(error instanceof Error) || !error.stack) return undefined;
  for (const frame of error.stack.split('\n').slice(1)) {
    const m = /\(?((?:file:\/\/)?[^\s()]+):(\d+):(\d+)\)?$/.exec(frame.trim());
    if (!m?.[1]) continue;
    const file = m[1].startsWith('file://') ? fileURLToPath(m[1]) : m[1];
    const rel = relative(dir, file);
    if (rel.startsWith('..') || isAbsolute(rel) || rel.split(sep).includes('node_modules')) continue;
    return { file, line: Number(m[2]), column: Number(m[3]) };
  }
  return undefined;
}

/** The source text before `location`'s column, where V8 says less than the user needs. */
function sourceBefore(location: Location | undefined): string | undefined {
  if (!location?.column) return undefined;
  try {
    const line = readFileSync(location.file, 'utf8').split('\n')[location.line - 1];
    return line?.slice(0, location.column - 1);
  } catch {
    return undefined;
  }
}

function hintFor(message: string, location: Location | undefined): string | undefined {
  const notFunction = /^([\w$.]+)\.([\w$]+) is not a function$/.exec(message);
  if (notFunction?.[1] && notFunction[2]) return missingMemberHint(notFunction[1], notFunction[2]);
  // `app.servic.route(...)`: V8 names only `route`; the missing member is just before it.
  if (/^Cannot read properties of undefined \(reading '.*'\)$/.test(message)) {
    const chain = /([\w$]+(?:\s*\??\.\s*[\w$]+)+)\s*\??\.\s*$/.exec(sourceBefore(location) ?? '')?.[1];
    const parts = chain?.split(/\s*\??\.\s*/) ?? [];
    const member = parts.pop();
    if (member && parts.length > 0) return missingMemberHint(parts.join('.'), member);
  }
  const missingExport = /^The requested module 'everai' does not provide an export named '([\w$]+)'$/.exec(message);
  if (missingExport?.[1]) return missingExportHint(missingExport[1]);
  return undefined;
}
