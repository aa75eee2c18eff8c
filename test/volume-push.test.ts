import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, copyFileSync, mkdirSync, mkdtempSync, openSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { EVERAI_BIN } from './helpers/cli';
import { usePlatform } from './helpers/platform';
import { encodeBlobBatch } from '../src/contract/blob-batch';
import type { MissingBlobsView } from '../src/contract/volume-view';
import type { PushResult } from '../src/contract/volume-transfer';
import { errorOf, push, readTree, sha256, volumeApi, volumeCli, volumeJson, volumeOk, writeFiles, type As } from './helpers/volumes';

// Pushes that upload only what changed, break off half-way, or race from stale copies (docs/volumes.md).

let work: string;

const platform = usePlatform();

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'everai-push-'));
});

after(async () => {
  rmSync(work, { recursive: true, force: true });
});

function freshRoot(): As {
  return { root: mkdtempSync(join(work, 'root-')) };
}

test('of 1000 files, a push after changing one uploads exactly that file', async () => {
  await volumeOk(platform, ['volume', 'create', 'thousand']);
  const { path, id } = await volumeJson(platform, 'thousand');
  const files: Record<string, string> = {};
  for (let i = 0; i < 1000; i++) files[`part-${Math.floor(i / 100)}/file-${i}.txt`] = `content of file ${i}\n`;
  writeFiles(path, files);
  const first = await push(platform, 'thousand');
  assert.equal(first.uploadedFiles, 1000);

  const changed = 'a changed file, longer than before\n';
  writeFileSync(join(path, 'part-4/file-417.txt'), changed);
  const second = await push(platform, 'thousand');
  assert.deepEqual(
    { created: second.created, uploadedFiles: second.uploadedFiles, uploadedBytes: second.uploadedBytes },
    { created: true, uploadedFiles: 1, uploadedBytes: Buffer.byteLength(changed) },
  );
  assert.match(second.revision, /^000002-/);

  const again = await push(platform, 'thousand');
  assert.deepEqual({ created: again.created, uploadedFiles: again.uploadedFiles, revision: again.revision }, {
    created: false,
    uploadedFiles: 0,
    revision: second.revision,
  });
  // A file touched, its bytes the same: no revision, and the hash cache keeps its new mtime, so
  // that the next push does not read it again.
  const touched = join(path, 'part-1/file-100.txt');
  const later = new Date(Date.now() + 60_000);
  utimesSync(touched, later, later);
  assert.equal((await push(platform, 'thousand')).created, false);
  const cached = JSON.parse(readFileSync(join(dirname(path), '.everai', `${id}.json`), 'utf8')) as { hashes: Record<string, { mtimeMs: number }> };
  assert.equal(cached.hashes['part-1/file-100.txt']?.mtimeMs, statSync(touched).mtimeMs);

  const fresh = freshRoot();
  await volumeOk(platform, ['volume', 'pull', 'thousand'], fresh);
  assert.deepEqual(readTree(join(fresh.root as string, id)), readTree(path));
});

/** A file of `mib` MiB of one repeated byte, written a MiB at a time. */
function bigFile(file: string, mib: number, fill: number): void {
  const chunk = Buffer.alloc(1024 * 1024, fill);
  const fd = openSync(file, 'w');
  try {
    for (let i = 0; i < mib; i++) writeSync(fd, chunk);
  } finally {
    closeSync(fd);
  }
}

/** Starts a push and SIGKILLs it as soon as its first file shows as uploaded. */
function pushKilledAfterFirstUpload(name: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [EVERAI_BIN, 'volume', 'push', name], { env: { ...process.env, ...platform.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const onData = (data: Buffer) => {
      output += data.toString();
      if (/^uploaded /m.test(output)) child.kill('SIGKILL');
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', reject);
    child.on('exit', (_code, signal) => (signal === 'SIGKILL' ? resolve(output) : reject(new Error(`the push was not killed:\n${output}`))));
  });
}

test('a push killed half-way leaves the last revision current and whole; run again, it completes', async () => {
  await volumeOk(platform, ['volume', 'create', 'interrupted']);
  const { path, id } = await volumeJson(platform, 'interrupted');
  writeFiles(path, { 'config.json': '{"v": 1}' });
  const last = await push(platform, 'interrupted');
  const lastFiles = readTree(path);

  // A small file uploads first and shows; the big ones are still on their way when the kill lands.
  writeFiles(path, { 'config.json': '{"v": 2}' });
  for (let i = 0; i < 3; i++) bigFile(join(path, `weights-${i}.bin`), 128, i + 1);
  const output = await pushKilledAfterFirstUpload('interrupted');
  assert.doesNotMatch(output, /pushed revision/);

  const after = await volumeJson(platform, 'interrupted');
  assert.equal(after.revision, last.revision);
  assert.equal(after.files, 1);
  const fresh = freshRoot();
  await volumeOk(platform, ['volume', 'pull', 'interrupted'], fresh);
  assert.deepEqual(readTree(join(fresh.root as string, id)), lastFiles);

  const rerun = await volumeCli(platform, ['volume', 'push', 'interrupted']);
  assert.equal(rerun.code, 0, rerun.stderr);
  assert.match(rerun.stdout, /^Volume 'interrupted': pushed revision 000002-[0-9a-f]{3}, uploaded [1-3] files? \(/);
  // What the killed push had uploaded is not sent again.
  assert.doesNotMatch(rerun.stderr, /uploaded config\.json/);
  assert.equal((await volumeJson(platform, 'interrupted')).files, 4);
});

test('two pushes from the same stale copy both keep their files: the later one merges and says so', async () => {
  await volumeOk(platform, ['volume', 'create', 'raced']);
  const { id } = await volumeJson(platform, 'raced');
  const [a, b] = [freshRoot(), freshRoot()];
  const copyA = join(a.root as string, id);
  const copyB = join(b.root as string, id);
  await volumeOk(platform, ['volume', 'pull', 'raced'], a);
  writeFiles(copyA, { 'shared.txt': 'v1', 'old.txt': 'old' });
  await push(platform, 'raced', a);
  await volumeOk(platform, ['volume', 'pull', 'raced'], b);

  writeFiles(copyA, { 'from-a.txt': 'a' });
  rmSync(join(copyA, 'old.txt'));
  const pushedA = await push(platform, 'raced', a);
  writeFiles(copyB, { 'from-b.txt': 'b' });
  const pushedB = await volumeCli(platform, ['volume', 'push', 'raced'], b);
  assert.equal(pushedB.code, 0, pushedB.stderr);
  assert.match(pushedB.stdout, new RegExp(`pushed revision 000003-[0-9a-f]{3}, uploaded 1 file \\(1 B\\)\\nMerged: revision ${pushedA.revision} was pushed from elsewhere`));

  const merged = { 'shared.txt': 'v1', 'from-a.txt': 'a', 'from-b.txt': 'b' };
  assert.deepEqual(readTree(copyB), merged, "B's copy now has A's changes too");
  const fresh = freshRoot();
  await volumeOk(platform, ['volume', 'pull', 'raced'], fresh);
  assert.deepEqual(readTree(join(fresh.root as string, id)), merged);

  // Both change the same file: the later push is refused, naming it, and nothing changes.
  await volumeOk(platform, ['volume', 'pull', 'raced'], a);
  writeFiles(copyA, { 'shared.txt': 'A was here' });
  writeFiles(copyB, { 'shared.txt': 'B was here' });
  const winner = await push(platform, 'raced', a);
  const refused = await volumeCli(platform, ['volume', 'push', 'raced'], b);
  assert.equal(refused.code, 5);
  assert.match(refused.stderr, new RegExp(`\\nError: "shared.txt" was changed both by this push and by revision ${winner.revision}, pushed since 000003-[0-9a-f]{3}: nothing was committed`));
  assert.equal((await volumeJson(platform, 'raced')).revision, winner.revision);
});

test('a batch of small blobs is stored blob by blob, each checked against its digest by the platform', async () => {
  await volumeOk(platform, ['volume', 'create', 'batched']);
  const api = volumeApi(platform);
  const [good, bad, after] = ['kept', 'lied about', 'never reached'].map((text) => Buffer.from(text));
  const batch = Buffer.concat(
    encodeBlobBatch([
      { digest: sha256(good as Buffer), bytes: good as Buffer },
      { digest: sha256('something else'), bytes: bad as Buffer },
      { digest: sha256(after as Buffer), bytes: after as Buffer },
    ]),
  );
  const refused = await errorOf(await api('POST', 'batched', '/blobs:upload', batch));
  assert.deepEqual([refused.status, refused.code], [400, 'EVERAI_BAD_REQUEST']);
  const digests = [sha256(good as Buffer), sha256('something else'), sha256(after as Buffer)];
  const { missing } = (await (await api('POST', 'batched', '/blobs:missing', { digests })).json()) as MissingBlobsView;
  assert.deepEqual(missing, digests.slice(1), 'the blob before the refused one is stored and the caller may name it');

  const malformed = await errorOf(await api('POST', 'batched', '/blobs:upload', `${sha256('x')} 99\nx`));
  assert.deepEqual([malformed.status, malformed.code], [400, 'EVERAI_BAD_REQUEST']);
});

test('files of a few MiB, batched both ways, arrive whole', async () => {
  await volumeOk(platform, ['volume', 'create', 'mib-files']);
  const { path, id } = await volumeJson(platform, 'mib-files');
  // Each larger than a socket read, so that a blob's bytes span many pieces of a batch, and
  // together more than one batch holds.
  const files: Record<string, Buffer> = {};
  for (let i = 0; i < 6; i++) files[`weights/part-${i}.bin`] = randomBytes(3 * 1024 * 1024 + i);
  files['tiny.txt'] = Buffer.from('tiny');
  writeFiles(path, files);
  const pushed = await push(platform, 'mib-files');
  assert.deepEqual([pushed.uploadedFiles, pushed.uploadedBytes], [7, 6 * 3 * 1024 * 1024 + 15 + 4]);

  const fresh = { root: mkdtempSync(join(work, 'root-')) };
  await volumeOk(platform, ['volume', 'pull', 'mib-files'], fresh);
  assert.deepEqual(readTree(join(fresh.root, id)), readTree(path));
});

test('files new to a copy but held by the platform: small ones are not sent again (and not shown as sent), a large one with no sign of it here is, hashed as it goes', async () => {
  const small: Record<string, Buffer> = { 'a.txt': Buffer.from('held already\n'), 'data/b.bin': randomBytes(64 * 1024) };
  const large = randomBytes(5 * 1024 * 1024);
  await volumeOk(platform, ['volume', 'create', 'first-copy']);
  writeFiles((await volumeJson(platform, 'first-copy')).path, { ...small, 'model.bin': large });
  assert.equal((await push(platform, 'first-copy')).uploadedFiles, 3);

  // The same bytes in another volume's copy, in a folder whose hash caches have never seen them.
  const elsewhere = freshRoot();
  await volumeOk(platform, ['volume', 'create', 'second-copy'], elsewhere);
  const { path, id } = await volumeJson(platform, 'second-copy', elsewhere);
  writeFiles(path, { ...small, 'renamed.bin': small['data/b.bin'] as Buffer, 'model.bin': large });
  const run = await volumeCli(platform, ['volume', 'push', 'second-copy', '-o', 'json'], elsewhere);
  assert.equal(run.code, 0, run.stderr);
  const pushed = JSON.parse(run.stdout) as PushResult;
  assert.deepEqual([pushed.created, pushed.uploadedFiles, pushed.uploadedBytes], [true, 1, large.length]);
  // What the progress lines say of each file is what happened to it.
  const said = run.stderr.split('\n');
  assert.ok(said.some((line) => line.startsWith('uploaded model.bin (')), run.stderr);
  for (const held of [...Object.keys(small), 'renamed.bin']) {
    assert.ok(!said.some((line) => line.startsWith(`uploaded ${held} `)), run.stderr);
    assert.ok(said.some((line) => line.startsWith(`not sent ${held} `)), run.stderr);
  }

  const fresh = freshRoot();
  await volumeOk(platform, ['volume', 'pull', 'second-copy'], fresh);
  assert.deepEqual(readTree(join(fresh.root as string, id)), readTree(path));
  // The hash cache now knows every file: a push again sends nothing and makes no revision.
  const again = await push(platform, 'second-copy', elsewhere);
  assert.deepEqual([again.created, again.uploadedFiles], [false, 0]);
});

test('a large file renamed, or copied from another volume pulled here, is not sent again, and pulls back byte for byte', async () => {
  const model = randomBytes(6 * 1024 * 1024);
  const adapter = randomBytes(5 * 1024 * 1024);
  await volumeOk(platform, ['volume', 'create', 'models-a']);
  const a = await volumeJson(platform, 'models-a');
  writeFiles(a.path, { 'model.bin': model });
  assert.equal((await push(platform, 'models-a')).uploadedBytes, model.length);

  mkdirSync(join(a.path, 'v1'));
  renameSync(join(a.path, 'model.bin'), join(a.path, 'v1', 'model.bin'));
  const renamed = await push(platform, 'models-a');
  assert.deepEqual([renamed.created, renamed.uploadedFiles, renamed.uploadedBytes], [true, 0, 0]);

  // Another folder pulls models-a, and a new volume there gets a copy of its model (and a new file).
  const elsewhere = freshRoot();
  await volumeOk(platform, ['volume', 'pull', 'models-a'], elsewhere);
  await volumeOk(platform, ['volume', 'create', 'models-b'], elsewhere);
  const b = await volumeJson(platform, 'models-b', elsewhere);
  copyFileSync(join(elsewhere.root as string, a.id, 'v1', 'model.bin'), join(b.path, 'base.bin'));
  writeFiles(b.path, { 'adapter.bin': adapter });
  const copied = await push(platform, 'models-b', elsewhere);
  assert.deepEqual([copied.created, copied.uploadedFiles, copied.uploadedBytes], [true, 1, adapter.length]);

  const fresh = freshRoot();
  await volumeOk(platform, ['volume', 'pull', 'models-a'], fresh);
  await volumeOk(platform, ['volume', 'pull', 'models-b'], fresh);
  assert.deepEqual(readTree(join(fresh.root as string, a.id)), { 'v1/model.bin': model.toString('latin1') });
  assert.deepEqual(readTree(join(fresh.root as string, b.id)), { 'adapter.bin': adapter.toString('latin1'), 'base.bin': model.toString('latin1') });
});
