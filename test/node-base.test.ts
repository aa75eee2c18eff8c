import assert from 'node:assert/strict';
import { createReadStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { after, test } from 'node:test';
import { extract } from 'tar-stream';
import { nodeBaseEntries, sharedLibraries } from '../src/client/image/node-base';
import { writeLayer } from '../src/client/image/layer-writer';

// The node base is made offline from this machine's Node: what it holds, and that it is the same
// bytes every time.

const work = mkdtempSync(join(tmpdir(), 'everai-node-base-'));
after(() => rmSync(work, { recursive: true, force: true }));

async function tarListing(path: string): Promise<Map<string, { type: string; mode: number }>> {
  const listing = new Map<string, { type: string; mode: number }>();
  const reader = extract();
  const reading = (async () => {
    for await (const entry of reader) {
      listing.set(entry.header.name, { type: entry.header.type ?? '', mode: entry.header.mode ?? 0 });
      entry.resume();
    }
  })();
  await Promise.all([pipeline(createReadStream(path), reader), reading]);
  return listing;
}

test('the node base holds node, its loader and libraries, and the folders a runtime expects', async () => {
  const written = await writeLayer(await nodeBaseEntries(), join(work, 'base.tar'), 'none');
  const listing = await tarListing(join(work, 'base.tar'));
  assert.equal(listing.get('usr/local/bin/node')?.type, 'file');
  assert.equal(listing.get('usr/local/bin/node')?.mode, 0o755);
  const libraries = await sharedLibraries(process.execPath);
  assert.ok(libraries.some((path) => /\/ld-linux[^/]*\.so/.test(path)), `no dynamic loader in ${libraries.join(', ')}`);
  for (const library of libraries) assert.equal(listing.get(library.slice(1))?.type, 'file', library);
  assert.equal(listing.get('tmp/')?.mode, 0o1777);
  for (const name of ['proc/', 'sys/', 'dev/', 'run/', 'etc/passwd', 'etc/group']) assert.ok(listing.has(name), name);
  assert.equal(written.digest, written.diffId, 'a plain tar layer: its digest is its diff id');
});

test('two builds of the node base give the same digest', async () => {
  const first = await writeLayer(await nodeBaseEntries(), join(work, 'first.tar'), 'none');
  const second = await writeLayer(await nodeBaseEntries(), join(work, 'second.tar'), 'none');
  assert.equal(second.digest, first.digest);
});
