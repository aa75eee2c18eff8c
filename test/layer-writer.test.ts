import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { appendFileSync, createReadStream, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { after, test } from 'node:test';
import { extract } from 'tar-stream';
import { hostFile, layerTree, textFile } from '../src/client/image/layer-entries';
import { tarHashOnThread, writeLayer } from '../src/client/image/layer-writer';

// An uncompressed layer reads its files into buffers it reuses once written (layer-pieces.ts);
// a gzip layer reads them as a stream. Both must hold the same tar.

const MIB = 1024 * 1024;
const work = mkdtempSync(join(tmpdir(), 'everai-layer-'));

after(() => rmSync(work, { recursive: true, force: true }));

/** name -> bytes of every file in a tar. */
async function filesOf(tar: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  const reader = extract();
  const reading = (async () => {
    for await (const entry of reader) {
      const chunks: Buffer[] = [];
      for await (const chunk of entry) chunks.push(chunk as Buffer);
      if (entry.header.type === 'file') files.set(entry.header.name, Buffer.concat(chunks));
    }
  })();
  await Promise.all([pipeline(createReadStream(tar), reader), reading]);
  return files;
}

test('an uncompressed layer holds each file whole, pieces of reused buffers and all, and is the tar the gzip layer compresses', async () => {
  const contents: Record<string, Buffer> = { 'big.bin': randomBytes(5 * MIB + 123), 'one.bin': randomBytes(MIB), 'small.txt': Buffer.from('small\n'), 'empty': Buffer.alloc(0) };
  for (const [name, bytes] of Object.entries(contents)) writeFileSync(join(work, name), bytes);
  const entries = layerTree([...(await Promise.all(Object.keys(contents).map((name) => hostFile(join(work, name), `app/${name}`)))), textFile('app/inline.txt', 'inline\n')]);

  const plain = await writeLayer(entries, join(work, 'layer.tar'), 'none');
  const gzipped = await writeLayer(entries, join(work, 'layer.tar.gz'), 'gzip');
  assert.equal(plain.diffId, gzipped.diffId);
  assert.equal(plain.digest, plain.diffId);

  const files = await filesOf(join(work, 'layer.tar'));
  assert.deepEqual([...files.keys()].sort(), ['app/big.bin', 'app/empty', 'app/inline.txt', 'app/one.bin', 'app/small.txt']);
  for (const [name, bytes] of Object.entries(contents)) assert.ok(files.get(`app/${name}`)?.equals(bytes), `app/${name} differs`);
});

test('a layer hashed on a hash thread has the digest of its bytes: no read buffer is used again before it is hashed', async () => {
  // Over 64 MiB of files, in 1 MiB pieces through the few buffers the layer reuses; the thread
  // hashes it wherever the machine would (more than 2 CPUs), here too.
  const contents: Record<string, Buffer> = { 'a.bin': randomBytes(40 * MIB + 7), 'b.bin': randomBytes(30 * MIB), 'c.txt': Buffer.from('c\n') };
  for (const [name, bytes] of Object.entries(contents)) writeFileSync(join(work, name), bytes);
  const entries = layerTree(await Promise.all(Object.keys(contents).map((name) => hostFile(join(work, name), `big/${name}`))));

  const total = Object.values(contents).reduce((sum, bytes) => sum + bytes.length, 0);
  assert.ok(tarHashOnThread(total, 16) && !tarHashOnThread(total, 2) && !tarHashOnThread(MIB, 16));
  const layer = await writeLayer(entries, join(work, 'big.tar'), 'none', true);
  const bytes = readFileSync(join(work, 'big.tar'));
  assert.equal(layer.digest, `sha256:${createHash('sha256').update(bytes).digest('hex')}`);
  assert.equal(layer.size, bytes.length);
  const files = await filesOf(join(work, 'big.tar'));
  for (const [name, content] of Object.entries(contents)) assert.ok(files.get(`big/${name}`)?.equals(content), `big/${name} differs`);
});

test('a file that is no longer the size it was listed at fails the layer, whether it shrank or grew', async () => {
  for (const change of ['shrank', 'grew'] as const) {
    const source = join(work, `${change}.bin`);
    writeFileSync(source, randomBytes(2 * MIB));
    const entry = await hostFile(source, `app/${change}.bin`);
    if (change === 'shrank') truncateSync(source, MIB);
    else appendFileSync(source, 'more');
    await assert.rejects(writeLayer(layerTree([entry]), join(work, `${change}.tar`), 'none'), new RegExp(`${change}\\.bin`));
  }
});
