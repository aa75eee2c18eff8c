import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { usePlatform } from './helpers/platform';
import type { FileListView } from '../src/contract/volume-view';
import { push, readTree, volumeApi, volumeFails, volumeJson, volumeOk, writeFiles } from './helpers/volumes';

// `everai volume ...` through the real CLI against the real server.

let work: string;

const platform = usePlatform();

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'everai-volumes-'));
});

after(async () => {
  rmSync(work, { recursive: true, force: true });
});

const ID = '[2-9A-HJ-NP-Za-km-z]{22}';

test('create, get and list print the shapes of the seed', async () => {
  const created = await volumeOk(platform, ['volume', 'create', 'get-start-volume']);
  const path = new RegExp(`^<Volume: id: (${ID}), name: get-start-volume, revision: 000000-000, files: 0, size: 0 B>\\npath: (.+)\\n$`);
  const [, id, local] = path.exec(created) ?? [];
  assert.ok(id && local, created);
  assert.equal(local, join(platform.home, 'volumes', id));
  assert.ok(existsSync(local), 'create makes the empty local copy');

  writeFileSync(join(local, 'my-model'), 'hello world');
  const result = await push(platform, 'get-start-volume');
  assert.match(result.revision, /^000001-[0-9a-f]{3}$/);
  assert.deepEqual({ created: result.created, uploadedFiles: result.uploadedFiles, uploadedBytes: result.uploadedBytes }, {
    created: true,
    uploadedFiles: 1,
    uploadedBytes: 11,
  });

  assert.equal(
    await volumeOk(platform, ['volume', 'get', 'get-start-volume']),
    `<Volume: id: ${id}, name: get-start-volume, revision: ${result.revision}, files: 1, size: 11 B>\npath: ${local}\n`,
  );
  const listed = await volumeOk(platform, ['volume', 'list']);
  assert.match(
    listed,
    new RegExp(
      `^NAME +REVISION +CREATED_AT +FILES +SIZE +STATUS\\n-+  -+  -+  -+  -+  -+\\nget-start-volume  ${result.revision}  \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\+0000      1  11 B  Private\\n$`,
    ),
  );
  assert.match(await volumeOk(platform, ['volume', 'ls', '-o', 'wide']), new RegExp(`ID +OWNER +UPDATED_AT\\n[^]*${id}  admin`));
  const yaml = await volumeOk(platform, ['volume', 'get', 'get-start-volume', '-o', 'yaml']);
  assert.match(yaml, new RegExp(`^id: ${id}\\nname: get-start-volume\\n`));
  assert.equal((JSON.parse(await volumeOk(platform, ['volume', 'list', '-o', 'json'])) as unknown[]).length, 1);

  assert.match(await volumeFails(platform, ['volume', 'create', 'get-start-volume']), /^Error: volume 'get-start-volume' already exists$/);
  assert.match(await volumeFails(platform, ['volume', 'get', 'nope']), /^Error: volume 'nope' not found$/);
});

test('a push of an unchanged copy makes no revision and uploads nothing', async () => {
  await volumeOk(platform, ['volume', 'create', 'unchanged']);
  const { path } = await volumeJson(platform, 'unchanged');
  writeFiles(path, { 'a.txt': 'a', 'deep/er/b.txt': 'bb' });
  const first = await push(platform, 'unchanged');
  const again = await volumeOk(platform, ['volume', 'push', 'unchanged']);
  assert.equal(again, `Volume 'unchanged' is unchanged at revision ${first.revision}: nothing to push\n`);
  assert.equal((await volumeJson(platform, 'unchanged')).revision, first.revision);

  // A file deleted locally is deleted in the next revision; -u keeps it instead.
  rmSync(join(path, 'a.txt'));
  writeFiles(path, { 'c.txt': 'c' });
  const updated = await push(platform, 'unchanged', {}, ['-u']);
  assert.equal(updated.uploadedFiles, 1);
  assert.equal((await volumeJson(platform, 'unchanged')).files, 3);
  const mirrored = await push(platform, 'unchanged');
  assert.match(mirrored.revision, /^000003-/);
  assert.equal((await volumeJson(platform, 'unchanged')).files, 2);
});

test('a pulled copy pushes as unchanged, and a file made executable, nothing else changed, makes a revision', async () => {
  await volumeOk(platform, ['volume', 'create', 'pulled-back']);
  const { path } = await volumeJson(platform, 'pulled-back');
  writeFiles(path, { 'run.sh': 'echo hi\n', 'data/x.txt': 'x' });
  const first = await push(platform, 'pulled-back');
  const root = mkdtempSync(join(tmpdir(), 'everai-pulled-back-'));
  try {
    await volumeOk(platform, ['volume', 'pull', 'pulled-back'], { root });
    const again = await push(platform, 'pulled-back', { root });
    assert.deepEqual([again.created, again.revision, again.uploadedFiles], [false, first.revision, 0]);

    // Only the mode changed: same size, same mtime, so the hash cache vouches for the bytes.
    chmodSync(join(root, (await volumeJson(platform, 'pulled-back')).id, 'run.sh'), 0o755);
    const executable = await push(platform, 'pulled-back', { root });
    assert.deepEqual([executable.created, executable.uploadedFiles], [true, 0]);
    const { files } = (await (await volumeApi(platform)('GET', 'pulled-back', '/revisions/latest/files')).json()) as FileListView;
    assert.equal(files.find((f) => f.path === 'run.sh')?.mode, 0o755);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('tree draws the files', async () => {
  await volumeOk(platform, ['volume', 'create', 'drawn']);
  const { path } = await volumeJson(platform, 'drawn');
  writeFiles(path, { 'models/big/weights.bin': 'w'.repeat(1536), 'models/config.json': '{}', 'readme.md': 'hi' });
  const { revision } = await push(platform, 'drawn');
  const expected = [
    `drawn (revision ${revision})`,
    '├── models/',
    '│   ├── big/',
    '│   │   └── weights.bin (1.5 KiB)',
    '│   └── config.json (2 B)',
    '└── readme.md (2 B)',
    '',
  ].join('\n');
  assert.equal(await volumeOk(platform, ['volume', 'tree', 'drawn']), expected);
  assert.equal(await volumeOk(platform, ['volume', 'tr', 'drawn']), expected);
});

test('pull into a fresh root gives identical bytes; --sync deletes extras; --force re-checks', async () => {
  await volumeOk(platform, ['volume', 'create', 'pulled']);
  const { path, id } = await volumeJson(platform, 'pulled');
  const binary = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7) % 256));
  writeFiles(path, { 'bin/data': binary, 'nested/deeper/file.txt': 'text\n', 'top.txt': 'top' });
  writeFileSync(join(path, 'run.sh'), '#!/bin/sh\necho hi\n', { mode: 0o755 });
  // A link to a file inside the volume is pushed as that file.
  symlinkSync('top.txt', join(path, 'alias.txt'));
  const { revision } = await push(platform, 'pulled');

  const fresh = { root: mkdtempSync(join(work, 'root-')) };
  const pulled = await volumeOk(platform, ['volume', 'pull', 'pulled'], fresh);
  const copy = join(fresh.root, id);
  assert.equal(pulled, `Volume 'pulled' at revision ${revision} in ${copy}: downloaded 5 of 5 files (4.0 KiB)\n`);
  assert.deepEqual(readTree(copy), { ...readTree(path), 'alias.txt': 'top' });
  assert.ok(existsSync(join(copy, 'run.sh')));

  assert.match(await volumeOk(platform, ['volume', 'pull', 'pulled'], fresh), /downloaded 0 of 5 files \(0 B\)\n$/);
  // An up-to-date copy is told by the hash cache alone; a file changed since is still brought back.
  writeFiles(copy, { 'nested/deeper/file.txt': 'changed here\n' });
  assert.match(await volumeOk(platform, ['volume', 'pull', 'pulled'], fresh), /downloaded 1 of 5 files \(5 B\)\n$/);
  assert.deepEqual(readTree(copy), { ...readTree(path), 'alias.txt': 'top' });
  writeFiles(copy, { 'extra.txt': 'not in the volume', 'extra-dir/x': 'x' });
  // A local change that keeps size and mtime fools the hash cache; --force looks at the bytes.
  // (A whole second, so that the mtime the cache keeps is exactly the one set again below.)
  const second = new Date('2024-07-05T08:41:49Z');
  utimesSync(join(copy, 'top.txt'), second, second);
  await volumeOk(platform, ['volume', 'pull', 'pulled'], fresh);
  writeFiles(copy, { 'top.txt': 'TOP' });
  utimesSync(join(copy, 'top.txt'), second, second);
  assert.match(await volumeOk(platform, ['volume', 'pull', 'pulled'], fresh), /downloaded 0 of 5 files/);
  assert.match(await volumeOk(platform, ['volume', 'pull', 'pulled', '--force'], fresh), /downloaded 1 of 5 files \(3 B\)\n$/);
  assert.equal(readTree(copy)['top.txt'], 'top');
  assert.ok(existsSync(join(copy, 'extra.txt')), 'a pull without --sync keeps local extras');

  assert.match(await volumeOk(platform, ['volume', 'pull', 'pulled', '--sync'], fresh), /deleted 2 local files the revision lacks\n$/);
  assert.deepEqual(readTree(copy), { ...readTree(path), 'alias.txt': 'top' });
  assert.equal(existsSync(join(copy, 'extra-dir')), false);
});

test('delete keeps the local copy unless --local or --all, and never loses unpushed files without --force', async () => {
  await volumeOk(platform, ['volume', 'create', 'doomed']);
  const { path } = await volumeJson(platform, 'doomed');
  writeFiles(path, { 'f': 'f' });
  await push(platform, 'doomed');
  assert.equal(
    await volumeOk(platform, ['volume', 'delete', 'doomed']),
    `Volume 'doomed' deleted from the platform; its local copy stays at ${path} (everai volume delete doomed --local removes it)\n`,
  );
  assert.match(await volumeFails(platform, ['volume', 'get', 'doomed']), /not found/);
  assert.deepEqual(readTree(path), { 'f': 'f' });
  // The platform no longer has it: the local copy is the last one, kept unless --force.
  assert.equal(
    await volumeFails(platform, ['volume', 'delete', 'doomed', '--local']),
    `Error: volume 'doomed' is no longer on the platform, so its local copy is the only one left ("f"), or delete it anyway with --force`,
  );
  assert.deepEqual(readTree(path), { 'f': 'f' });
  assert.equal(await volumeOk(platform, ['volume', 'delete', 'doomed', '--local', '--force']), `Local copy of volume 'doomed' removed (${path})\n`);
  assert.equal(existsSync(path), false);

  // Edits not pushed yet stop --all before anything is deleted, on the platform too.
  await volumeOk(platform, ['volume', 'create', 'edited']);
  const edited = await volumeJson(platform, 'edited');
  writeFiles(edited.path, { 'same': 's', 'model.bin': 'v1' });
  await push(platform, 'edited');
  writeFiles(edited.path, { 'model.bin': 'v2', 'notes/new.txt': 'n' });
  assert.equal(
    await volumeFails(platform, ['volume', 'delete', 'edited', '--all']),
    `Error: the local copy of volume 'edited' has changes not pushed yet ("model.bin", "notes/new.txt"): push them (everai volume push edited), or delete it anyway with --force`,
  );
  assert.equal((await volumeJson(platform, 'edited')).name, 'edited');
  assert.deepEqual(readTree(edited.path), { 'same': 's', 'model.bin': 'v2', 'notes/new.txt': 'n' });
  await push(platform, 'edited');
  assert.equal(
    await volumeOk(platform, ['volume', 'delete', 'edited', '--all']),
    `Volume 'edited' deleted from the platform\nLocal copy of volume 'edited' removed (${edited.path})\n`,
  );
  assert.equal(existsSync(edited.path), false);
  assert.match(await volumeFails(platform, ['volume', 'get', 'edited']), /not found/);

  assert.match(await volumeFails(platform, ['volume', 'delete', 'edited', '--local', '--all']), /choose one of --cloud, --local and --all/);
});

test('a copy found to be its revision is told by its files stats alone next time, and no change gets past that', async () => {
  await volumeOk(platform, ['volume', 'create', 'stated']);
  const { path, id } = await volumeJson(platform, 'stated');
  writeFiles(path, { 'a.txt': 'aaaa', 'deep/b.txt': 'bbbb' });
  const first = await push(platform, 'stated');
  // The push left the copy's state, which alone tells that the copy is still that revision: with
  // the hash cache gone, a push would hash every file and commit against no revision.
  const hashCache = join(platform.home, 'volumes', '.everai', `${id}.json`);
  rmSync(hashCache);
  assert.equal(await volumeOk(platform, ['volume', 'push', 'stated']), `Volume 'stated' is unchanged at revision ${first.revision}: nothing to push\n`);
  assert.match(await volumeOk(platform, ['volume', 'pull', 'stated']), /downloaded 0 of 2 files \(0 B\)\n$/);
  // --force looks at the bytes, and writes the hash cache again.
  assert.match(await volumeOk(platform, ['volume', 'pull', 'stated', '--force']), /downloaded 0 of 2 files \(0 B\)\n$/);
  assert.ok(existsSync(hashCache));

  // Same size, new bytes, a later mtime: pushed.
  writeFiles(path, { 'a.txt': 'AAAA' });
  utimesSync(join(path, 'a.txt'), new Date(), new Date(Date.now() + 5000));
  const second = await push(platform, 'stated');
  assert.deepEqual([second.created, second.uploadedFiles, second.uploadedBytes], [true, 1, 4]);

  // And brought back by a pull, as is a file made a link and one added: the state of the copy the
  // push left never vouches for them.
  writeFiles(path, { 'deep/b.txt': 'BBBB' });
  utimesSync(join(path, 'deep/b.txt'), new Date(), new Date(Date.now() + 10_000));
  assert.match(await volumeOk(platform, ['volume', 'pull', 'stated']), /downloaded 1 of 2 files \(4 B\)\n$/);
  assert.deepEqual(readTree(path), { 'a.txt': 'AAAA', 'deep/b.txt': 'bbbb' });
  rmSync(join(path, 'a.txt'));
  symlinkSync('deep/b.txt', join(path, 'a.txt'));
  assert.match(await volumeOk(platform, ['volume', 'pull', 'stated']), /downloaded 1 of 2 files \(4 B\)\n$/);
  assert.deepEqual(readTree(path), { 'a.txt': 'AAAA', 'deep/b.txt': 'bbbb' });
  writeFiles(path, { 'new.txt': 'new' });
  assert.equal((await push(platform, 'stated')).uploadedFiles, 1);
  assert.match(await volumeOk(platform, ['volume', 'pull', 'stated']), /downloaded 0 of 3 files \(0 B\)\n$/);
});
