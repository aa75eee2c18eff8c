#!/usr/bin/env node
'use strict';
// `npm start`: builds only when a source (TypeScript, or the console's page and style sheet),
// tsconfig.json or package-lock.json is newer than the last build (dist/.tsbuildinfo), or the
// console was never built, so a start with nothing changed goes straight to the server. tsc
// itself builds incrementally when it does run.
const { spawnSync } = require('node:child_process');
const { existsSync, readdirSync, statSync, utimesSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');

function newestIn(dir) {
  let newest = 0;
  for (const entry of readdirSync(join(root, dir), { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

function lastBuild() {
  try {
    return statSync(join(root, 'dist', '.tsbuildinfo')).mtimeMs;
  } catch {
    return 0;
  }
}

const sources = Math.max(...['src', 'test', 'bench'].map(newestIn), ...['tsconfig.json', 'package-lock.json'].map((f) => statSync(join(root, f)).mtimeMs));
if (sources > lastBuild() || !existsSync(join(root, 'dist', 'console', 'app.js'))) {
  const tsc = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(root, 'tsconfig.json')], { stdio: 'inherit' });
  if (tsc.status !== 0) process.exit(tsc.status ?? 1);
  const bundle = spawnSync(process.execPath, [join(__dirname, 'build-console.js')], { stdio: 'inherit' });
  if (bundle.status !== 0) process.exit(bundle.status ?? 1);
  // tsc leaves its build info untouched when a touched file compiled to the same output: stamp it.
  const now = new Date();
  utimesSync(join(root, 'dist', '.tsbuildinfo'), now, now);
}
