import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { PYTHON_BASE_REPOSITORY, PYTHON_BASE_TAG } from '../src/client/image/python-base';
import { APP_FILE_LABEL } from '../src/contract/oci';
import { LocalBlobStore } from '../src/server/blobs/local/local-blob-store';
import { resolveImage } from '../src/server/registry/image-resolver';
import { ImageUnpacker } from '../src/server/runtime/local/image-unpacker';
import { SqliteStore } from '../src/server/store/sqlite/sqlite-store';
import { copyExampleApp } from './helpers/app-fixture';
import { usePlatform } from './helpers/platform';
import { PYTHON_IMAGE_MISSING } from './helpers/python';

// `everai image build` of an app.py folder: the Python base, the SDK as a layer of its own, the app.

const platform = usePlatform({ skip: PYTHON_IMAGE_MISSING });

async function build(dir: string): Promise<string> {
  const result = await platform.cli(['image', 'build'], { cwd: dir });
  assert.equal(result.code, 0, `image build failed:\n${result.stderr}`);
  const digest = /^pushed get-start-python:v1@(sha256:[a-f0-9]{64})\n$/.exec(result.stdout)?.[1];
  assert.ok(digest, `unexpected output: ${result.stdout}`);
  return digest;
}

test('an app.py folder builds onto the Python base, with the SDK in a layer of its own, and runs the Python worker', { skip: PYTHON_IMAGE_MISSING }, async () => {
  const dir = copyExampleApp(platform, 'get-start-python');
  const digest = await build(dir);
  // What running Python leaves in a folder is never part of the image, nor of its digest.
  mkdirSync(join(dir, '__pycache__'));
  writeFileSync(join(dir, '__pycache__', 'app.cpython-311.pyc'), 'bytecode');
  assert.equal(await build(dir), digest, 'the same sources give the same digest');

  const store = new SqliteStore(join(platform.dataDir, 'state.db'));
  const blobs = new LocalBlobStore(join(platform.dataDir, 'blobs'));
  try {
    const image = await resolveImage({ store, blobs }, 'admin/get-start-python:v1');
    const config = image.config.config;
    assert.deepEqual(config?.Entrypoint, ['/usr/bin/python3', '-m', 'everai.worker']);
    assert.equal(config?.User, '65534:65534');
    assert.equal(config?.WorkingDir, '/app');
    assert.equal(config?.Labels?.[APP_FILE_LABEL], 'app.py');
    for (const line of ['PYTHONPATH=/opt/everai/python', 'PYTHONUNBUFFERED=1']) assert.ok(config?.Env?.includes(line), `Env has ${line}`);

    const base = await resolveImage({ store, blobs }, `admin/${PYTHON_BASE_REPOSITORY}:${PYTHON_BASE_TAG}`);
    assert.equal(image.layers.length, 3, 'Python base, SDK, app');
    assert.deepEqual(image.layers[0], base.layers[0], 'the base is the published everai/python-base layer');

    const unpacker = new ImageUnpacker(blobs, join(platform.home, 'images'));
    const baseRoot = await unpacker.ensureUnpacked(base);
    assert.ok(existsSync(join(baseRoot, 'usr', 'lib', 'python3', 'dist-packages', 'flask')), "Debian's Flask is in the base");
    assert.equal(existsSync(join(baseRoot, 'opt', 'everai')), false, 'the SDK is not: changing it never makes the base again');

    const root = await unpacker.ensureUnpacked(image);
    assert.equal(readFileSync(join(root, 'opt', 'everai', 'python', 'everai', 'worker.py'), 'utf8'), readFileSync(join(__dirname, '..', '..', 'python', 'everai', 'worker.py'), 'utf8'));
    assert.ok(existsSync(join(root, 'app', 'app.py')) && existsSync(join(root, 'app', 'image_builder.py')));
    assert.equal(existsSync(join(root, 'app', '__pycache__')), false);
  } finally {
    await store.close();
  }
});
