import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { test } from 'node:test';
import { createGunzip } from 'node:zlib';
import { extract as tarExtract } from 'tar-stream';
import { MEDIA_TYPES, type ImageManifest, type OciImageConfig } from '../src/contract/oci';
import { DEBIAN_IMAGE_MARKER, DEBIAN_IMAGE_MISSING, pushDebianPythonImage } from './helpers/debian-image';
import { usePlatform } from './helpers/platform';

// The Debian fixture image (test/helpers/debian-image.ts) as the platform's registry holds it
// once pushed: what a worker running it would get.

const platform = usePlatform({ skip: DEBIAN_IMAGE_MISSING });

function v2(path: string, accept?: string): Promise<Response> {
  return fetch(`${platform.url}/v2/${path}`, { headers: { authorization: `Bearer ${platform.token}`, ...(accept ? { accept } : {}) } });
}

/** The files asked for that the layer holds: path -> content. */
async function filesInLayer(layer: Response, wanted: string[]): Promise<Map<string, Buffer>> {
  const found = new Map<string, Buffer>();
  const tar = tarExtract();
  tar.on('entry', (header, stream, next) => {
    const name = header.name.replace(/^\.?\//, '');
    const chunks: Buffer[] = [];
    stream.on('data', (d) => chunks.push(d as Buffer));
    stream.on('end', () => {
      if (header.type === 'file' && wanted.includes(name)) found.set(name, Buffer.concat(chunks));
      next();
    });
  });
  await pipeline(Readable.fromWeb(layer.body as import('node:stream/web').ReadableStream), createGunzip(), tar);
  return found;
}

test('the Debian image lands in the registry with python3 as its command and its own userland in its layer', { skip: DEBIAN_IMAGE_MISSING }, async () => {
  assert.equal(await pushDebianPythonImage(platform), 'debian-python:12');

  const manifestRes = await v2('admin/debian-python/manifests/12', MEDIA_TYPES.ociManifest);
  assert.equal(manifestRes.status, 200);
  assert.equal(manifestRes.headers.get('content-type'), MEDIA_TYPES.ociManifest);
  const manifest = (await manifestRes.json()) as ImageManifest;
  assert.equal(manifest.layers.length, 1, 'one layer: the whole root filesystem');

  const configRes = await v2(`admin/debian-python/blobs/${manifest.config.digest}`);
  assert.equal(configRes.status, 200);
  const config = (await configRes.json()) as OciImageConfig;
  assert.deepEqual(config.config?.Cmd, ['python3']);
  assert.equal(config.os, 'linux');

  const layer = manifest.layers[0] as ImageManifest['layers'][number];
  const layerRes = await v2(`admin/debian-python/blobs/${layer.digest}`);
  assert.equal(layerRes.status, 200);
  assert.equal(Number(layerRes.headers.get('content-length')), layer.size);
  const marker = DEBIAN_IMAGE_MARKER.path.slice(1);
  const files = await filesInLayer(layerRes, [marker, 'usr/bin/python3.11', 'etc/debian_version']);
  assert.equal(files.get(marker)?.toString(), DEBIAN_IMAGE_MARKER.content);
  // The image's own interpreter (an ELF file), not one borrowed from the host.
  assert.equal(files.get('usr/bin/python3.11')?.subarray(0, 4).toString('latin1'), '\x7fELF', 'python3.11 is in the layer');
  assert.match(files.get('etc/debian_version')?.toString() ?? '', /^12\./, 'a bookworm userland');
});
