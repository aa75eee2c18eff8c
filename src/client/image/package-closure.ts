import { existsSync, promises as fs } from 'node:fs';
import { dirname, join, relative } from 'node:path';

interface PackageJson {
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

/** Where Node finds package `name` from `fromDir`: the nearest `node_modules/name` up to `root`. */
function findPackage(root: string, fromDir: string, name: string): string | undefined {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dir === root || dir === dirname(dir)) return undefined;
  }
}

/**
 * The installed package folders (relative to `root`, sorted) that `names` need at run time: each
 * one's `dependencies` and `optionalDependencies`, found as Node finds them, and theirs in turn.
 * An optional dependency that is not installed (another platform's binary) is left out.
 */
export async function packageClosure(root: string, names: readonly string[]): Promise<string[]> {
  const found = new Set<string>();
  const pending = names.map((name) => ({ name, from: root, optional: false }));
  while (pending.length > 0) {
    const { name, from, optional } = pending.pop() as (typeof pending)[number];
    const dir = findPackage(root, from, name);
    if (!dir) {
      if (optional) continue;
      throw new Error(`package '${name}' (needed from ${relative(root, from) || '.'}) is not installed; run npm ci`);
    }
    if (found.has(dir)) continue;
    found.add(dir);
    const pkg = JSON.parse(await fs.readFile(join(dir, 'package.json'), 'utf8')) as PackageJson;
    for (const dep of Object.keys(pkg.dependencies ?? {})) pending.push({ name: dep, from: dir, optional: false });
    for (const dep of Object.keys(pkg.optionalDependencies ?? {})) pending.push({ name: dep, from: dir, optional: true });
  }
  return [...found].map((dir) => relative(root, dir)).sort();
}
