#!/usr/bin/env node
'use strict';
// The web console (docs/console.md): src/console/main.ts bundled for the browser with esbuild,
// beside its page, style sheet and icon, into dist/console, which `everai server` serves at `/`.
// Everything it loads is in that folder: no CDN, nothing fetched at run time.
const { buildSync } = require('esbuild');
const { copyFileSync, mkdirSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const source = join(root, 'src', 'console');
const out = join(root, 'dist', 'console');

mkdirSync(out, { recursive: true });
buildSync({
  entryPoints: [join(source, 'main.ts')],
  outfile: join(out, 'app.js'),
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: ['es2022'],
  minify: true,
  sourcemap: false,
  legalComments: 'none',
  logLevel: 'warning',
});
for (const file of ['index.html', 'style.css', 'icon.svg']) copyFileSync(join(source, file), join(out, file));
