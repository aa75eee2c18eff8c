import { existsSync, promises as fs } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join } from 'node:path';

export interface RequireTrace {
  /** Compiled files reached through relative requires, absolute paths, sorted. */
  files: string[];
  /** npm packages they require (`tsx`, `@scope/name`), sorted. */
  packages: string[];
}

// `require('x')` and `import('x')` with a literal: what tsc emits for this package's own imports.
const SPECIFIER = /\b(?:require|import)\(\s*(['"])([^'"]+)\1\s*\)/g;

function resolveRelative(from: string, specifier: string): string | undefined {
  const base = join(dirname(from), specifier);
  return [base, `${base}.js`, `${base}.json`, join(base, 'index.js')].find((path) => existsSync(path) && !path.endsWith('/'));
}

function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return (specifier.startsWith('@') ? parts.slice(0, 2) : parts.slice(0, 1)).join('/');
}

/**
 * Follows the literal requires of compiled JavaScript from `entries`: the files of this package a
 * program loads, and the npm packages it starts from. Requires built at run time are not seen,
 * which is why an entry loaded by path (the SDK's index) must be listed itself.
 */
export async function traceRequires(entries: readonly string[]): Promise<RequireTrace> {
  const files = new Set<string>();
  const packages = new Set<string>();
  const pending = [...entries];
  while (pending.length > 0) {
    const file = pending.pop() as string;
    if (files.has(file)) continue;
    files.add(file);
    if (!file.endsWith('.js')) continue;
    for (const match of (await fs.readFile(file, 'utf8')).matchAll(SPECIFIER)) {
      const specifier = match[2] as string;
      if (specifier.startsWith('.')) {
        const resolved = resolveRelative(file, specifier);
        if (!resolved) throw new Error(`${file} requires '${specifier}', which is not there`);
        pending.push(resolved);
      } else if (!specifier.startsWith('node:') && !builtinModules.includes(specifier)) {
        packages.add(packageName(specifier));
      }
    }
  }
  return { files: [...files].sort(), packages: [...packages].sort() };
}
