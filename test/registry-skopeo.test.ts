import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { newToken } from '../src/contract/ids';
import { buildImage, type BuiltImage } from '../src/client/image/oci-image-builder';
import { usePlatform } from './helpers/platform';

// A standard registry client (skopeo, from containers/image) pushes and pulls with a platform token.
// CI installs it with `apt-get install -y skopeo`.

const SKOPEO_MISSING = spawnSync('skopeo', ['--version']).error
  ? 'skopeo is not installed (apt-get install -y skopeo); it is the standard client this test drives'
  : false;

let work: string;
let built: BuiltImage;
let layout: string;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** skopeo against our plain-HTTP registry: no TLS, no signature policy, the token as password. */
function skopeo(args: string[], token = platform.token): Promise<Run> {
  const host = new URL(platform.url).host;
  const withCreds = args.map((arg) => arg.replace('REGISTRY', host).replace('CREDS', `x:${token}`));
  return new Promise((resolve) => {
    execFile('skopeo', ['--insecure-policy', ...withCreds], { timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

async function skopeoOk(args: string[]): Promise<string> {
  const run = await skopeo(args);
  assert.equal(run.code, 0, `skopeo ${args.join(' ')} failed:\n${run.stderr}`);
  return run.stdout;
}

function sha256(bytes: Buffer | string): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

const platform = usePlatform({ skip: SKOPEO_MISSING });

before(async () => {
  if (SKOPEO_MISSING) return;
  work = mkdtempSync(join(tmpdir(), 'everai-skopeo-'));
  const app = join(work, 'app');
  layout = join(work, 'layout');
  mkdirSync(app);
  writeFileSync(join(app, 'app.ts'), "export const app = 'skopeo';\n");
  built = await buildImage({ appDir: app, layoutDir: layout, tag: 'v1', appFile: 'app.ts' });
});

after(async () => {
  if (SKOPEO_MISSING) return;
  rmSync(work, { recursive: true, force: true });
});

test('skopeo pushes our OCI layout and pulls it back byte for byte', { skip: SKOPEO_MISSING }, async () => {
  await skopeoOk(['copy', '--dest-tls-verify=false', '--dest-creds', 'CREDS', `oci:${layout}:v1`, 'docker://REGISTRY/admin/skopeo/demo:v1']);

  const raw = await skopeoOk(['inspect', '--raw', '--tls-verify=false', '--creds', 'CREDS', 'docker://REGISTRY/admin/skopeo/demo:v1']);
  assert.equal(sha256(raw), built.manifestDigest);
  const inspected = JSON.parse(await skopeoOk(['inspect', '--tls-verify=false', '--creds', 'CREDS', 'docker://REGISTRY/admin/skopeo/demo:v1'])) as {
    Digest: string;
    Labels: Record<string, string>;
  };
  assert.equal(inspected.Digest, built.manifestDigest);
  assert.equal(inspected.Labels['ai.everai.app-file'], 'app.ts');

  const out = join(work, 'pulled');
  await skopeoOk(['copy', '--src-tls-verify=false', '--src-creds', 'CREDS', 'docker://REGISTRY/admin/skopeo/demo:v1', `oci:${out}:v1`]);
  const index = JSON.parse(readFileSync(join(out, 'index.json'), 'utf8')) as { manifests: { digest: string }[] };
  assert.equal(index.manifests[0]?.digest, built.manifestDigest);
  for (const blob of built.blobs) {
    assert.equal(sha256(readFileSync(join(out, 'blobs', 'sha256', blob.digest.slice(7)))), blob.digest);
  }
});

test('skopeo copies between repositories and lists tags', { skip: SKOPEO_MISSING }, async () => {
  await skopeoOk(['copy', '--dest-tls-verify=false', '--dest-creds', 'CREDS', `oci:${layout}:v1`, 'docker://REGISTRY/admin/skopeo/tags:v1']);
  await skopeoOk([
    'copy',
    '--src-tls-verify=false',
    '--src-creds',
    'CREDS',
    '--dest-tls-verify=false',
    '--dest-creds',
    'CREDS',
    'docker://REGISTRY/admin/skopeo/tags:v1',
    'docker://REGISTRY/admin/skopeo/tags:v2',
  ]);
  const tags = JSON.parse(await skopeoOk(['list-tags', '--tls-verify=false', '--creds', 'CREDS', 'docker://REGISTRY/admin/skopeo/tags'])) as { Tags: string[] };
  assert.deepEqual(tags.Tags, ['v1', 'v2']);
});

test('skopeo with a wrong token is refused', { skip: SKOPEO_MISSING }, async () => {
  await skopeoOk(['copy', '--dest-tls-verify=false', '--dest-creds', 'CREDS', `oci:${layout}:v1`, 'docker://REGISTRY/admin/skopeo/auth:v1']);
  const pull = await skopeo(['inspect', '--tls-verify=false', '--creds', 'CREDS', 'docker://REGISTRY/admin/skopeo/auth:v1'], newToken());
  assert.notEqual(pull.code, 0);
  assert.match(pull.stderr, /unauthorized/i);
  const push = await skopeo(['copy', '--dest-tls-verify=false', '--dest-creds', 'CREDS', `oci:${layout}:v1`, 'docker://REGISTRY/admin/skopeo/auth:v2'], newToken());
  assert.notEqual(push.code, 0);
});
