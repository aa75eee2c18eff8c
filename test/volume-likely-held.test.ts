import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { likelyHeld, type KnownFile } from '../src/client/volumes/likely-held';
import type { LocalFile } from '../src/client/volumes/local-files';

// Which new large files a push hashes before it sends them (docs/volumes.md): the ones likely held.

const work = mkdtempSync(join(tmpdir(), 'everai-likely-held-'));
after(() => rmSync(work, { recursive: true, force: true }));

const SIZE = 5 * 1024 * 1024;

function fileAt(name: string, bytes?: Buffer): LocalFile {
  const source = join(work, name);
  if (bytes) writeFileSync(source, bytes);
  const { size, mtimeMs } = statSync(source);
  return { path: name, source, link: false, size, mtimeMs, mode: 0o644 };
}

const knownAs = (file: LocalFile, here: boolean): KnownFile => ({ source: file.source, size: file.size, mtimeMs: file.mtimeMs, here });

test('a copy of a known file is likely held; a different file of the same size (a shard, a checkpoint with the same header) is not', () => {
  const model = randomBytes(SIZE);
  const known = fileAt('other-volume-model.bin', model);
  copyFileSync(known.source, join(work, 'copy.bin'));
  const shard = Buffer.from(model);
  // Only the pages a sample does not read are alike: the same header, other weights.
  randomBytes(SIZE / 2).copy(shard, SIZE / 2);
  const copy = fileAt('copy.bin');
  const other = fileAt('other.bin', shard);
  assert.deepEqual([...likelyHeld([copy, other], [knownAs(known, false)])], [copy]);
});

test('a new file of the size of a file of this copy that is gone from its path (renamed) is likely held', () => {
  const gone = { source: join(work, 'gone.bin'), size: SIZE, mtimeMs: 1, here: true };
  const renamed = fileAt('renamed.bin', randomBytes(SIZE));
  assert.deepEqual([...likelyHeld([renamed], [gone])], [renamed]);
  // Gone from another volume's copy: no sign, that copy was only deleted.
  assert.deepEqual([...likelyHeld([renamed], [{ ...gone, here: false }])], []);
});

test('two new copies of one file are both likely held, so that the push sends it once; new files of one size alone are not', () => {
  const bytes = randomBytes(SIZE);
  const first = fileAt('twin-1.bin', bytes);
  const second = fileAt('twin-2.bin', bytes);
  const alone = fileAt('alone.bin', randomBytes(SIZE));
  assert.deepEqual(new Set(likelyHeld([first, alone, second], [])), new Set([first, second]));
});
