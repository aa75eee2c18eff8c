import assert from 'node:assert/strict';
import { chmodSync, createWriteStream, existsSync, linkSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { pack as tarPack, type Header } from 'tar-stream';
import { EveraiError } from '../src/contract/errors';
import { MEDIA_TYPES } from '../src/contract/oci';
import { LocalBlobStore } from '../src/server/blobs/local/local-blob-store';
import { chainKey, ImageUnpacker } from '../src/server/runtime/local/image-unpacker';

type Entry = Partial<Header> & { name: string; body?: string | Buffer };

const LAYER_MTIME = new Date('2026-01-01T00:00:00Z');

async function tarOf(entries: readonly Entry[]): Promise<Buffer> {
  const pack = tarPack();
  const chunks: Buffer[] = [];
  const collecting = (async () => {
    for await (const chunk of pack) chunks.push(chunk as Buffer);
  })();
  for (const { body, ...given } of entries) {
    // A fixed mtime (tar-stream's default is now): the same entries make the same layer, so two
    // images built a second apart still share their base, as the tests of shared bases assume.
    const header = { mtime: LAYER_MTIME, ...given };
    await new Promise<void>((resolve, reject) => {
      const done = (error?: Error | null) => (error ? reject(error) : resolve());
      if (body !== undefined) pack.entry({ mode: 0o644, ...header }, body, done);
      else pack.entry(header, done);
    });
  }
  pack.finalize();
  await collecting;
  return Buffer.concat(chunks);
}

let dir: string;
let blobs: LocalBlobStore;
let images = 0;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'everai-unpack-'));
  blobs = new LocalBlobStore(join(dir, 'blobs'));
});

after(() => rmSync(dir, { recursive: true, force: true }));

/** Stores each layer (gzip unless told) and returns an image of them with a fresh digest. */
async function imageOf(layers: readonly (readonly Entry[])[], gzip = true) {
  const blobsOf = [];
  for (const entries of layers) {
    const tar = await tarOf(entries);
    blobsOf.push(gzip ? gzipSync(tar) : tar);
  }
  return imageOfBlobs(blobsOf, gzip);
}

/** Stores each layer's blob as it is (gzip or plain tar, maybe broken) and returns an image of them with a fresh digest. */
async function imageOfBlobs(layers: readonly Buffer[], gzip: boolean) {
  const refs = [];
  for (const layer of layers) {
    const { digest } = await blobs.write(Readable.from([layer]));
    refs.push({ digest, mediaType: gzip ? MEDIA_TYPES.ociLayerGzip : 'application/vnd.oci.image.layer.v1.tar' });
  }
  const digest = `sha256:${(++images).toString(16).padStart(64, '0')}`;
  return { digest, layers: refs };
}

function cacheDir(): string {
  return join(dir, 'cache');
}

async function refused(image: Awaited<ReturnType<typeof imageOf>>, message: RegExp, everai = true): Promise<void> {
  await assert.rejects(
    new ImageUnpacker(blobs, cacheDir()).ensureUnpacked(image),
    (error: unknown) => error instanceof Error && (!everai || error instanceof EveraiError) && message.test(error.message),
  );
  // Nothing that looks unpacked, and no half tree left behind.
  assert.equal(existsSync(join(cacheDir(), chainKey(image.layers))), false);
  assert.deepEqual(readdirSync(cacheDir()).filter((name) => name.startsWith('.building-')), []);
}

test('layers apply in order: later files win, whiteouts delete, modes are kept', async () => {
  const image = await imageOf([
    [
      { name: 'app/', type: 'directory', mode: 0o755 },
      { name: 'app/app.ts', body: 'one' },
      { name: 'app/run.sh', body: '#!/bin/sh', mode: 0o4755 },
      { name: 'app/old.txt', body: 'old' },
      { name: 'etc/', type: 'directory' },
      { name: 'etc/a', body: 'a' },
      { name: 'etc/b', body: 'b' },
    ],
    [
      { name: './app/app.ts', body: 'two' },
      { name: 'app/.wh.old.txt', body: '' },
      { name: 'etc/.wh..wh..opq', body: '' },
      { name: 'etc/c', body: 'c' },
      { name: 'app/lib', type: 'symlink', linkname: '/etc' },
      { name: 'app/again.ts', type: 'link', linkname: 'app/app.ts' },
    ],
  ]);
  const root = await new ImageUnpacker(blobs, cacheDir()).ensureUnpacked(image);
  assert.equal(readFileSync(join(root, 'app/app.ts'), 'utf8'), 'two');
  assert.equal(existsSync(join(root, 'app/old.txt')), false);
  assert.deepEqual(readdirSync(join(root, 'etc')), ['c']);
  // Set-id bits never reach the tree.
  assert.equal(statSync(join(root, 'app/run.sh')).mode & 0o7777, 0o755);
  // An absolute link target means the image root, so it is rewritten to stay inside it.
  assert.equal(readlinkSync(join(root, 'app/lib')), '../etc');
  assert.equal(readFileSync(join(root, 'app/lib/c'), 'utf8'), 'c');
  assert.equal(readFileSync(join(root, 'app/again.ts'), 'utf8'), 'two');
});

test('images on the same base share its files: hard links, and a top layer never changes the base tree', async () => {
  const base = [{ name: 'usr/bin/tool', body: 'big binary', mode: 0o755 }, { name: 'etc/conf', body: 'base conf' }];
  const one = await imageOf([base, [{ name: 'app/app.ts', body: 'one' }]]);
  const two = await imageOf([base, [{ name: 'app/app.ts', body: 'two' }, { name: 'etc/conf', body: 'changed by two' }]]);
  const unpacker = new ImageUnpacker(blobs, cacheDir());
  const [rootOne, rootTwo] = [await unpacker.ensureUnpacked(one), await unpacker.ensureUnpacked(two)];
  assert.equal(statSync(join(rootOne, 'usr/bin/tool')).ino, statSync(join(rootTwo, 'usr/bin/tool')).ino, 'the base file is one inode');
  assert.equal(readFileSync(join(rootOne, 'app/app.ts'), 'utf8'), 'one');
  assert.equal(readFileSync(join(rootTwo, 'app/app.ts'), 'utf8'), 'two');
  assert.equal(readFileSync(join(rootTwo, 'etc/conf'), 'utf8'), 'changed by two');
  assert.equal(readFileSync(join(rootOne, 'etc/conf'), 'utf8'), 'base conf', "two's layer left one's tree as it was");
});

test('a held image keeps its tree and the lower one it was built from; released, both go', async () => {
  const base = [{ name: 'usr/bin/tool', body: 'big binary', mode: 0o755 }];
  const one = await imageOf([base, [{ name: 'app/app.ts', body: 'one' }]]);
  const two = await imageOf([base, [{ name: 'app/app.ts', body: 'two' }]]);
  const cache = join(dir, 'held');
  const unpacker = new ImageUnpacker(blobs, cache);
  const release = unpacker.hold(one.layers);
  await unpacker.ensureUnpacked(one);
  const rootTwo = await unpacker.ensureUnpacked(two);
  const later = Date.now() + 60_000;

  assert.deepEqual(await unpacker.removeUnused(later), [rootTwo], "only two's own tree goes: the base tree is one's too");
  assert.deepEqual(readdirSync(cache).sort(), [chainKey(one.layers.slice(0, 1)), chainKey(one.layers)].sort());
  release();
  assert.equal((await unpacker.removeUnused(later)).length, 2);
  assert.deepEqual(readdirSync(cache), []);
});

test('plain tar layers unpack too', async () => {
  const image = await imageOf([[{ name: 'hello.txt', body: 'hi' }]], false);
  const root = await new ImageUnpacker(blobs, cacheDir()).ensureUnpacked(image);
  assert.equal(readFileSync(join(root, 'hello.txt'), 'utf8'), 'hi');
});

test('an image unpacks once: concurrent callers share it, a new unpacker reuses the finished tree', async () => {
  const image = await imageOf([[{ name: 'app/app.ts', body: 'x' }]]);
  const unpacker = new ImageUnpacker(blobs, cacheDir());
  const [a, b] = await Promise.all([unpacker.ensureUnpacked(image), unpacker.ensureUnpacked(image)]);
  assert.equal(a, b);
  const before = lstatSync(a).ino;
  // As after a server restart: the tree is there, so nothing is unpacked again.
  const again = await new ImageUnpacker(blobs, cacheDir()).ensureUnpacked(image);
  assert.equal(again, a);
  assert.equal(lstatSync(again).ino, before);
});

// A small image that waited behind the large one would wait for good: the timeout fails it rather than hang the run.
test("a small image unpacks while a large one is still unpacking: it does not wait behind the other's bytes", { timeout: 60_000 }, async () => {
  const piece = Buffer.alloc(4 * 1024 * 1024, 1);
  const large = await imageOf([Array.from({ length: 16 }, (_, i) => ({ name: `weights/${i}.bin`, body: piece }))]);
  const small = await imageOf([[{ name: 'app/app.ts', body: 'small' }]], false);
  const largeLayer = large.layers[0]?.digest as string;
  // The large layer's bytes come through a pipe this test feeds: it cannot be done before the test
  // lets it, however fast or loaded the machine.
  const pipe = join(dir, 'large-layer.pipe');
  execFileSync('mkfifo', [pipe]);
  class FedBlobStore extends LocalBlobStore {
    override localPath(digest: string): string {
      return digest === largeLayer ? pipe : super.localPath(digest);
    }
  }
  const unpacker = new ImageUnpacker(new FedBlobStore(join(dir, 'blobs')), join(dir, 'side-by-side'));
  const finished: string[] = [];
  const unpacking = unpacker.ensureUnpacked(large).then(() => finished.push('large'));
  const layer = readFileSync(blobs.localPath(largeLayer));
  const feed = createWriteStream(pipe);
  // The first half goes in: the large one's unpack has begun, and cannot end before the rest comes.
  await new Promise((resolve) => feed.write(layer.subarray(0, layer.length / 2), resolve));
  await unpacker.ensureUnpacked(small).then(() => finished.push('small'));
  assert.deepEqual(finished, ['small'], 'the small image was unpacked while the large one waited for its bytes');
  feed.end(layer.subarray(layer.length / 2));
  await unpacking;
  assert.deepEqual(finished, ['small', 'large']);
});

test("entries with '..' are refused", async () => {
  await refused(await imageOf([[{ name: 'app/../../evil.txt', body: 'x' }]]), /'app\/..\/..\/evil.txt' climbs out/);
  assert.equal(existsSync(join(dir, 'evil.txt')), false);
});

test('entries with absolute paths land inside the image root, as tar and containerd take them (umoci writes a "/" entry)', async () => {
  const marker = `everai-evil-${process.pid}-${Date.now()}.txt`;
  const image = await imageOf([[{ name: '/', type: 'directory', mode: 0o755 }, { name: `/tmp/${marker}`, body: 'x' }]]);
  const root = await new ImageUnpacker(blobs, cacheDir()).ensureUnpacked(image);
  assert.equal(readFileSync(join(root, 'tmp', marker), 'utf8'), 'x');
  assert.equal(existsSync(join('/tmp', marker)), false, 'nothing was written outside the image');
});

test('symlinks that climb out of the image are refused', async () => {
  await refused(await imageOf([[{ name: 'app/out', type: 'symlink', linkname: '../../outside' }]]), /outside the image/);
});

test('writing through a symlink never leaves the image root', async () => {
  // A link planted in one layer, a file written "through" it in the next: the link's absolute
  // target is resolved inside the root, so the file lands there and not in the real /tmp.
  const marker = `everai-unpack-${process.pid}-${Date.now()}`;
  const image = await imageOf([[{ name: 'escape', type: 'symlink', linkname: '/tmp' }], [{ name: `escape/${marker}`, body: 'x' }]]);
  const root = await new ImageUnpacker(blobs, cacheDir()).ensureUnpacked(image);
  assert.equal(existsSync(join('/tmp', marker)), false);
  assert.equal(readFileSync(join(root, 'tmp', marker), 'utf8'), 'x');
});

test('hard links to files outside the image are refused', async () => {
  await refused(await imageOf([[{ name: 'passwd', type: 'link', linkname: '../etc/passwd' }]]), /climbs out/);
  await refused(await imageOf([[{ name: 'passwd', type: 'link', linkname: 'missing' }]]), /is a hard link to 'missing'/);
});

test('a missing layer blob fails the unpack and a later call may retry', async () => {
  const image = { digest: `sha256:${'f'.repeat(64)}`, layers: [{ digest: `sha256:${'e'.repeat(64)}`, mediaType: MEDIA_TYPES.ociLayerGzip }] };
  const unpacker = new ImageUnpacker(blobs, cacheDir());
  await assert.rejects(unpacker.ensureUnpacked(image), /missing from the blob store/);
  await assert.rejects(unpacker.ensureUnpacked(image), /missing from the blob store/);
});

/**
 * Sizes around the unpack's 64 KiB writes and 1 MiB blob reads, where a body split across reads or
 * a buffer reused too early would show as a wrong byte.
 */
const EDGE_SIZES = [0, 1, 511, 512, 64 * 1024 - 1, 64 * 1024 + 1, 1024 * 1024 - 100, 1024 * 1024 + 7, 3 * 1024 * 1024 + 513];

for (const gzip of [true, false]) {
  test(`every byte of every file unpacks as it was packed (${gzip ? 'gzip' : 'plain tar'})`, async () => {
    const files = EDGE_SIZES.map((size, i) => ({ name: `data/f${i}`, body: randomBytes(size) }));
    // Twice over: the second round's bodies start at other offsets of the blob's reads.
    const entries = [...files, ...files.map((file) => ({ ...file, name: `${file.name}-again`, body: randomBytes(file.body.length) }))];
    const root = await new ImageUnpacker(blobs, cacheDir()).ensureUnpacked(await imageOf([entries], gzip));
    for (const { name, body } of entries) assert.ok(readFileSync(join(root, name)).equals(body), `${name} differs`);
  });
}

test('a short or corrupt layer blob fails the unpack cleanly: an error, no tree, nothing half-built', async () => {
  const tar = await tarOf([{ name: 'data/big', body: randomBytes(3 * 1024 * 1024) }, { name: 'data/after', body: 'x' }]);
  // Cut inside the first file's body: the tar ends before it does.
  await refused(await imageOfBlobs([tar.subarray(0, 2 * 1024 * 1024)], false), /Unexpected end of data/, false);
  const gzip = gzipSync(tar);
  await refused(await imageOfBlobs([gzip.subarray(0, gzip.length / 2)], true), /unexpected end of file/, false);
  const corrupt = Buffer.from(gzip);
  corrupt.fill(0xff, 1000, 2000);
  // What zlib says depends on the bytes it meets; that it fails is the point.
  await refused(await imageOfBlobs([corrupt], true), /./, false);
});

/** A folder as GNU tar writes it in `format`: the plain tar layers of real images, long names included. */
function folderLayer(folder: string, format: string): Buffer {
  return execFileSync('tar', [`--format=${format}`, '--numeric-owner', '-cf', '-', '-C', folder, '.'], { maxBuffer: 64 * 1024 * 1024 });
}

for (const format of ['gnu', 'posix', 'ustar']) {
  test(`plain tar layers that GNU tar writes in its '${format}' format unpack as the folder was: long names, links, modes`, async () => {
    const folder = mkdtempSync(join(dir, `folder-${format}-`));
    // 90 + 90 characters: ustar splits it into a prefix and a name; longer names need GNU or PAX records.
    const deep = join('d'.repeat(90), 'f'.repeat(90));
    const names = ['small.txt', 'exe.sh', deep, ...(format === 'ustar' ? [] : [join('d'.repeat(90), 'n'.repeat(200))])];
    mkdirSync(join(folder, 'd'.repeat(90)));
    mkdirSync(join(folder, 'empty'));
    const bodies = new Map(names.map((name, i) => [name, randomBytes(i * 70_000 + 1)]));
    for (const [name, body] of bodies) writeFileSync(join(folder, name), body);
    chmodSync(join(folder, 'exe.sh'), 0o750);
    // A link target of over 100 characters needs GNU or PAX records too.
    const linkTarget = format === 'ustar' ? 'small.txt' : deep;
    symlinkSync(linkTarget, join(folder, 'to-deep'));
    linkSync(join(folder, 'small.txt'), join(folder, 'hard.txt'));

    const image = await imageOfBlobs([folderLayer(folder, format)], false);
    const root = await new ImageUnpacker(blobs, cacheDir()).ensureUnpacked(image);
    for (const [name, body] of bodies) {
      assert.ok(readFileSync(join(root, name)).equals(body), `${name} differs`);
      assert.equal(statSync(join(root, name)).mode & 0o777, statSync(join(folder, name)).mode & 0o777, `${name}'s mode`);
    }
    assert.equal(readlinkSync(join(root, 'to-deep')), linkTarget);
    assert.equal(statSync(join(root, 'hard.txt')).ino, statSync(join(root, 'small.txt')).ino);
    assert.ok(statSync(join(root, 'empty')).isDirectory());
  });
}
