import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, posix, relative, sep } from 'node:path';

/**
 * Imports point one way (bottom to top): contract ← sdk ← client ← cli, and contract ← server.
 *
 * - contract: what server, SDK and CLI share (errors, ids, the app-spec documents, the API's views,
 *   worker environment names). It imports nothing of ours.
 * - sdk: what user apps import, and the worker that serves them inside an image. SDK images carry
 *   the files the worker's requires reach (src/client/image/sdk-runtime.ts), so sdk imports
 *   contract only: no server, no client.
 * - client: what talks to a server (API client, image build and push, volume push and pull, manifests).
 * - cli: the commands; may load user apps through the SDK.
 * - server: the platform; contract only. Nothing else imports it (bar the one exception below).
 * - console: the web console, compiled for the browser (scripts/build-console.js); it reads the
 *   API's views from contract and talks to the server over HTTP only.
 *
 * Inside the server, apps sit above controller (apps start rollouts and scale through the
 * controller; the controller never calls back into apps), and blob-gc does not reach into volumes.
 */

/** Which areas each area may import, besides itself. */
export const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  contract: [],
  sdk: ['contract'],
  client: ['contract'],
  cli: ['contract', 'client', 'sdk'],
  server: ['contract'],
  console: ['contract'],
};

/** Server folders that must not import each other in this direction. */
export const SERVER_FORBIDDEN: readonly { from: string; to: string; reason: string }[] = [
  { from: 'server/controller', to: 'server/apps', reason: 'apps sit above controller: shared helpers (pull credentials) live in secrets' },
  { from: 'server/blob-gc', to: 'server/volumes', reason: 'blob-gc and volumes meet in server/blobs (Serial), not in each other' },
];

/** Single files allowed one edge the table forbids, each with why. */
export const EXCEPTIONS: readonly { file: string; to: string; reason: string }[] = [
  {
    file: 'src/client/image/image-source.ts',
    to: 'sdk',
    reason: "image build reads the app's Image from app.ts, loaded with the SDK's own module loader (sdk/loader/load-module, which imports nothing)",
  },
  {
    file: 'src/client/manifest/manifest-request.ts',
    to: 'sdk',
    reason: 'a manifest becomes the same app-spec documents app.ts gives, checked by the SDK classes themselves so the two cannot disagree',
  },
  {
    file: 'src/cli/commands/server.ts',
    to: 'server',
    reason: '`everai server` runs the platform in the CLI process (one binary); it requires server/platform lazily',
  },
];

export interface SourceFile {
  /** Repository-relative, with forward slashes: `src/sdk/app.ts`. */
  path: string;
  text: string;
}

// `from '…'` (import and export), a bare `import '…'`, `require('…')` and `import('…')`.
const SPECIFIER = /(?:\bfrom\s*|^\s*import\s*|\brequire\(\s*|\bimport\(\s*)(['"])(\.[^'"]*)\1/gm;

export function relativeSpecifiers(text: string): string[] {
  return [...text.matchAll(SPECIFIER)].map((match) => match[2] as string);
}

/** `contract`, `sdk`, `client`, `cli`, `server` or `server/<folder>`; undefined outside src. */
export function areaOf(path: string): string | undefined {
  const parts = path.split('/');
  if (parts[0] !== 'src' || parts.length < 3) return undefined;
  const top = parts[1] as string;
  return top === 'server' && parts.length > 3 ? `server/${parts[2]}` : top;
}

const topOf = (area: string) => area.split('/')[0] as string;

/** Every import that breaks the rule, as `file -> specifier (from -> to)`. */
export function violations(files: readonly SourceFile[]): string[] {
  const found: string[] = [];
  for (const file of files) {
    const from = areaOf(file.path);
    if (from === undefined) continue;
    for (const specifier of relativeSpecifiers(file.text)) {
      // Targets outside src (contract/version.ts reads package.json) are no area's.
      const to = areaOf(posix.normalize(posix.join(posix.dirname(file.path), specifier)));
      if (to === undefined || to === from) continue;
      const fromTop = topOf(from);
      const toTop = topOf(to);
      const say = `${file.path} -> ${specifier} (${from} -> ${to})`;
      if (fromTop !== toTop) {
        const allowed = ALLOWED[fromTop]?.includes(toTop) ?? false;
        const excepted = EXCEPTIONS.some((e) => e.file === file.path && e.to === toTop);
        if (!allowed && !excepted) found.push(say);
      } else if (SERVER_FORBIDDEN.some((rule) => rule.from === from && rule.to === to)) {
        found.push(say);
      }
    }
  }
  return found;
}

const REPO_ROOT = join(__dirname, '..', '..');

function sourceFiles(dir: string): SourceFile[] {
  const files: SourceFile[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...sourceFiles(path));
    else if (entry.name.endsWith('.ts')) files.push({ path: relative(REPO_ROOT, path).split(sep).join('/'), text: readFileSync(path, 'utf8') });
  }
  return files;
}

test('every import under src/ points down the layers', () => {
  const files = sourceFiles(join(REPO_ROOT, 'src'));
  assert.ok(files.length > 100, `found only ${files.length} files under ${REPO_ROOT}/src`);
  assert.ok(files.every((f) => areaOf(f.path) !== undefined && topOf(areaOf(f.path) as string) in ALLOWED), 'a folder under src/ is in no layer: add it to ALLOWED');
  assert.deepEqual(violations(files), []);
});

test('every exception is still needed', () => {
  const files = sourceFiles(join(REPO_ROOT, 'src'));
  for (const exception of EXCEPTIONS) {
    const file = files.find((f) => f.path === exception.file);
    assert.ok(file, `${exception.file} is gone: drop its exception`);
    const used = relativeSpecifiers(file.text).some((s) => areaOf(posix.normalize(posix.join(posix.dirname(file.path), s)))?.startsWith(exception.to));
    assert.ok(used, `${exception.file} no longer imports ${exception.to}: drop its exception`);
  }
});

test('the rule fails on wrong-way imports', () => {
  const fake: SourceFile[] = [
    { path: 'src/server/runtime/local/worker-readiness.ts', text: "import { READINESS_PATH } from '../../../sdk/worker/serve-app';" },
    { path: 'src/sdk/volume-manager.ts', text: "const { ApiClient } = require('../client/api-client') as typeof import('../client/api-client');" },
    { path: 'src/sdk/context.ts', text: "export { x } from '../cli/main';\nimport '../server/platform';" },
    { path: 'src/client/volumes/volume-client.ts', text: "import type { VolumeView } from '../../server/volumes/volume-service';" },
    { path: 'src/contract/errors.ts', text: "import { sendJson } from '../server/http/respond';" },
    { path: 'src/server/controller/worker-launcher.ts', text: "import { pullCredentials } from '../apps/program-pins';" },
    { path: 'src/cli/commands/app.ts', text: "import type { AppView } from '../../server/api/views';" },
    { path: 'src/client/api-client.ts', text: "import { x } from '../sdk/app';" },
    // Allowed: down the layers, inside one area, the listed exceptions, and packages.
    { path: 'src/cli/commands/app-local.ts', text: "import { loadAppFromDir } from '../../sdk/loader/load-app';\nimport { ApiClient } from '../../client/api-client';" },
    { path: 'src/server/apps/worker-scaling.ts', text: "import { scaleChanges } from '../controller/autoscaler/scale-changes';\nimport { z } from 'zod';" },
    { path: 'src/client/image/image-source.ts', text: "import { importUserModule } from '../../sdk/loader/load-module';" },
    { path: 'src/contract/version.ts', text: "require('../../../package.json')" },
  ];
  assert.deepEqual(violations(fake), [
    'src/server/runtime/local/worker-readiness.ts -> ../../../sdk/worker/serve-app (server/runtime -> sdk)',
    'src/sdk/volume-manager.ts -> ../client/api-client (sdk -> client)',
    'src/sdk/volume-manager.ts -> ../client/api-client (sdk -> client)',
    'src/sdk/context.ts -> ../cli/main (sdk -> cli)',
    'src/sdk/context.ts -> ../server/platform (sdk -> server)',
    'src/client/volumes/volume-client.ts -> ../../server/volumes/volume-service (client -> server/volumes)',
    'src/contract/errors.ts -> ../server/http/respond (contract -> server/http)',
    'src/server/controller/worker-launcher.ts -> ../apps/program-pins (server/controller -> server/apps)',
    'src/cli/commands/app.ts -> ../../server/api/views (cli -> server/api)',
    'src/client/api-client.ts -> ../sdk/app (client -> sdk)',
  ]);
});
