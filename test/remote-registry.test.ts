import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { EveraiError } from '../src/contract/errors';
import { parseImageRef, type ImageRef } from '../src/contract/image-ref';
import { buildImage, type BuiltImage } from '../src/client/image/oci-image-builder';
import { LocalBlobStore } from '../src/server/blobs/local/local-blob-store';
import { pullLayers, resolveRemoteImage } from '../src/server/registry/remote/remote-image';
import { cliOk, copyExampleApp, editFile, waitDeployed } from './helpers/app-fixture';
import { pushDebianPythonImage } from './helpers/debian-image';
import { DOCKER_REGISTRY_MISSING, skopeoCopy, startDockerRegistry, type DockerRegistry } from './helpers/docker-registry';
import { startTestPlatform, type TestPlatform } from './helpers/platform';

// Images on another registry (docs/manifest.md, "Images on other registries"): the remote client
// against a real registry server on loopback (Debian's docker-registry, htpasswd auth), and a
// deploy that the runtime pulls from one.
// The deploy with imagePullSecrets needs `everai secret`: test/remote-registry-secrets.test.ts.

const skip = DOCKER_REGISTRY_MISSING;
let work: string;
let secured: DockerRegistry;
let built: BuiltImage;

before(async () => {
  if (skip) return;
  work = mkdtempSync(join(tmpdir(), 'everai-remote-'));
  writeFileSync(join(work, 'run.sh'), '#!/bin/sh\necho hi\n');
  built = await buildImage({ appDir: work, layoutDir: join(work, 'layout'), tag: 'v1' });
  secured = await startDockerRegistry({ robot: 'right-password' });
  await skopeoCopy(`oci:${join(work, 'layout')}:v1`, `docker://${secured.host}/team/tool:v1`, { dest: 'robot:right-password' });
});
after(async () => {
  await secured?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** A reference that names a registry host, as resolveRemoteImage takes it. */
function remoteRef(text: string): ImageRef & { host: string } {
  const ref = parseImageRef(text);
  assert.ok(ref.host);
  return { ...ref, host: ref.host };
}

function blobStore(): LocalBlobStore {
  return new LocalBlobStore(mkdtempSync(join(work, 'blobs-')));
}

async function refused(promise: Promise<unknown>, code: string, message: string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof EveraiError, String(error));
    assert.equal(error.code, code);
    assert.equal(error.message, message);
    return true;
  });
}

test('right credentials resolve the tag to the pushed digest and pull every layer, verified', { skip }, async () => {
  const blobs = blobStore();
  const ref = remoteRef(`${secured.host}/team/tool:v1`);
  const credentials = { username: 'robot', password: 'right-password' };
  const image = await resolveRemoteImage(blobs, ref, credentials);
  assert.equal(image.digest, built.manifestDigest);
  assert.equal(image.repository, `${secured.host}/team/tool`);
  assert.equal(image.config.config?.WorkingDir, '/app');
  const layers = built.blobs.filter((b) => b.kind === 'layer').map((b) => b.digest);
  assert.deepEqual(image.layers.map((l) => l.digest), layers);
  await pullLayers(blobs, { host: secured.host, repository: 'team/tool', credentials }, image.layers);
  for (const digest of layers) assert.ok(await blobs.has(digest), `layer ${digest} pulled`);
  // By digest, the manifest now comes from the blob store: wrong credentials do not matter any more.
  const again = await resolveRemoteImage(blobs, remoteRef(`${secured.host}/team/tool@${image.digest}`), { username: 'robot', password: 'x' });
  assert.equal(again.digest, image.digest);
});

test('wrong or missing credentials, and a missing tag, fail with a clear error naming the registry', { skip }, async () => {
  const ref = remoteRef(`${secured.host}/team/tool:v1`);
  await refused(
    resolveRemoteImage(blobStore(), ref, { username: 'robot', password: 'wrong-password' }),
    'EVERAI_REGISTRY_FAILED',
    `registry ${secured.host} refused the credentials for team/tool (HTTP 401 Unauthorized)`,
  );
  await refused(
    resolveRemoteImage(blobStore(), ref, undefined),
    'EVERAI_REGISTRY_FAILED',
    `registry ${secured.host} needs credentials: give imagePullSecrets in app.yaml, or auth in Image.fromRegistry for team/tool (HTTP 401 Unauthorized)`,
  );
  await refused(
    resolveRemoteImage(blobStore(), { ...ref, tag: 'v9' }, { username: 'robot', password: 'right-password' }),
    'EVERAI_IMAGE_NOT_FOUND',
    `image team/tool:v9 was not found in registry ${secured.host} (HTTP 404)`,
  );
});

test('an app whose image is on another registry deploys: the runtime pulls it', { skip }, async () => {
  const platform: TestPlatform = await startTestPlatform();
  const open = await startDockerRegistry();
  try {
    const dir = copyExampleApp(platform, 'manifest-python');
    // On an image with python3: a container runs its image's userland.
    await cliOk(platform, ['image', 'build', '--base', await pushDebianPythonImage(platform)], dir);
    await skopeoCopy(`docker://${new URL(platform.url).host}/admin/manifest-python:v1`, `docker://${open.host}/team/manifest-python:v1`, { src: `x:${platform.token}` });
    editFile(join(dir, 'app.yaml'), (text) => text.replace('image: manifest-python:v1', `image: ${open.host}/team/manifest-python:v1`));
    await cliOk(platform, ['app', 'create'], dir);
    await waitDeployed(platform, 'manifest-python');
    const res = await fetch(`${platform.url}/api/routes/v1/default/manifest-python/from-afar`, { headers: { authorization: `Bearer ${platform.token}` } });
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as { path: string }).path, '/from-afar');
    assert.match(await cliOk(platform, ['app', 'events', 'manifest-python']), new RegExp(`App created with revision 1 \\(image ${open.host}/team/manifest-python:v1 = sha256:`));
  } finally {
    await open.stop();
    await platform.stop();
  }
});
