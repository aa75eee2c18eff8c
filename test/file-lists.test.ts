import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { VolumeFile } from '../src/contract/volume-file';
import { LocalBlobStore } from '../src/server/blobs/local/local-blob-store';
import { FileLists } from '../src/server/volumes/file-lists';

// A revision's file list is read for a pull and again by each request that downloads its files, so
// the server keeps lists parsed: the same list comes back, not parsed anew. What it keeps is bounded
// by the lists' size (8 MiB of JSON), whatever their number, the list read last kept whatever its
// size; a list read again goes last. A list this test makes of 35,000 files is 4.8 MB of JSON.

let dir: string;
let blobs: LocalBlobStore;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'everai-lists-'));
  blobs = new LocalBlobStore(join(dir, 'blobs'));
});

after(() => rmSync(dir, { recursive: true, force: true }));

/** Writes a list of `count` files named after `name`; returns its digest and its files. */
async function list(lists: FileLists, name: string, count: number): Promise<{ digest: string; files: VolumeFile[] }> {
  const files = Array.from({ length: count }, (_, i) => ({
    path: `${name}/shard-${String(i).padStart(6, '0')}.bin`,
    digest: `sha256:${i.toString(16).padStart(64, '0')}`,
    size: 1024 + i,
    mode: 0o644,
  }));
  return { digest: await lists.write(files), files };
}

test('parsed lists are kept up to a size, the one read last always', async () => {
  const lists = new FileLists(blobs);
  const a = await list(lists, 'a', 35_000);
  const b = await list(lists, 'b', 35_000);
  const small = await list(lists, 'small', 10);
  const huge = await list(lists, 'huge', 70_000);

  const firstA = await lists.read(a.digest);
  assert.deepEqual(firstA, a.files);
  assert.equal(await lists.read(a.digest), firstA, 'a list read again is the one kept');

  // With b, the two pass the bound: a, read first, goes.
  const firstB = await lists.read(b.digest);
  assert.deepEqual(firstB, b.files);
  assert.equal(await lists.read(b.digest), firstB);
  const secondA = await lists.read(a.digest);
  assert.notEqual(secondA, firstA, 'a list past the bound is parsed anew');
  assert.deepEqual(secondA, a.files);
  assert.notEqual(await lists.read(b.digest), firstB, 'reading a again let b go');

  // A list read again goes last: the small one, read before a and again after, outlives it.
  const firstSmall = await lists.read(small.digest);
  const thirdA = await lists.read(a.digest);
  assert.equal(await lists.read(small.digest), firstSmall);
  await lists.read(b.digest);
  assert.equal(await lists.read(small.digest), firstSmall, 'the small list, read last but one, is kept');
  assert.notEqual(await lists.read(a.digest), thirdA, 'a, read least lately, went');

  // A list over the bound on its own stays while it is the one read last.
  const firstHuge = await lists.read(huge.digest);
  assert.deepEqual(firstHuge, huge.files);
  assert.equal(await lists.read(huge.digest), firstHuge);
});

test('a list read once, as the blob collector reads every list, is not kept and keeps what is', async () => {
  const lists = new FileLists(blobs);
  const kept = await list(lists, 'kept', 35_000);
  const swept = await list(lists, 'swept', 35_000);
  const firstKept = await lists.read(kept.digest);

  const once = await lists.readOnce(swept.digest);
  assert.deepEqual(once, swept.files);
  assert.notEqual(await lists.readOnce(swept.digest), once, 'a list read once is parsed each time');
  assert.equal(await lists.readOnce(kept.digest), firstKept, 'a kept list serves a read once');
  assert.equal(await lists.read(kept.digest), firstKept, 'reading lists once let none go');
});

test('two reads of a list at once keep it once', async () => {
  const lists = new FileLists(blobs);
  const a = await list(lists, 'together', 35_000);
  const small = await list(lists, 'beside', 10);
  const [one, two] = await Promise.all([lists.read(a.digest), lists.read(a.digest)]);
  assert.equal(one, two, 'both reads have the list kept');
  // Counted twice, it would pass the bound with any list beside it, and go.
  await lists.read(small.digest);
  assert.equal(await lists.read(a.digest), one);
});
