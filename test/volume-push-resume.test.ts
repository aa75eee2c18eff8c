import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, createReadStream, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { volumeApiPath, type MissingBlobsView } from '../src/contract/volume-view';
import { uploadIdOf } from '../src/client/volumes/volume-push';
import { EVERAI_BIN } from './helpers/cli';
import { usePlatform } from './helpers/platform';
import { push, volumeApi, volumeJson, volumeOk } from './helpers/volumes';
import { waitFor } from './helpers/wait';

// A push killed in the middle of a large file goes on, run again, from the bytes the platform holds (docs/volumes.md).
// A new large file is hashed as it is sent (PUT .../uploads/ID), so what is held is asked by upload id.

const MIB = 1024 * 1024;
const FILE_MIB = 256;

const platform = usePlatform();
const work = mkdtempSync(join(tmpdir(), 'everai-resume-'));

after(() => rmSync(work, { recursive: true, force: true }));

/** `mib` MiB of random bytes, written a MiB at a time; returns the file's digest. */
function randomFile(file: string, mib: number): string {
  const hash = createHash('sha256');
  const fd = openSync(file, 'w');
  try {
    for (let i = 0; i < mib; i++) {
      const chunk = randomBytes(MIB);
      hash.update(chunk);
      writeSync(fd, chunk);
    }
  } finally {
    closeSync(fd);
  }
  return `sha256:${hash.digest('hex')}`;
}

async function digestOf(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) hash.update(chunk);
  return `sha256:${hash.digest('hex')}`;
}

/**
 * What the platform holds of the push's upload of a file it hashes as it sends (a new large one),
 * as the push asks for it: by the upload id it names from the file's volume, path, size and mtime.
 */
async function heldUploadBytes(name: string, volumeId: string, path: string, file: string): Promise<number> {
  const { size, mtimeMs } = statSync(file);
  const upload = uploadIdOf(volumeId, { path, size, mtimeMs });
  const res = await volumeApi(platform)('POST', name, '/blobs:missing', { digests: [], uploads: [upload] });
  return ((await res.json()) as MissingBlobsView).uploads[upload] ?? 0;
}

/** What the platform holds of the caller's broken-off upload of `digest`, as the push asks for it. */
async function heldBytes(name: string, digest: string): Promise<number> {
  const res = await volumeApi(platform)('POST', name, '/blobs:missing', { digests: [digest] });
  return ((await res.json()) as MissingBlobsView).held[digest] ?? 0;
}

test('a push killed half-way through a 256 MiB file, run again, sends only the bytes the platform lacks', async () => {
  await volumeOk(platform, ['volume', 'create', 'weights']);
  const { path, id } = await volumeJson(platform, 'weights');
  const digest = randomFile(join(path, 'model.bin'), FILE_MIB);

  const child = spawn(process.execPath, [EVERAI_BIN, 'volume', 'push', 'weights'], { env: { ...process.env, ...platform.env }, stdio: 'ignore' });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
  // Polled often: on a fast disk the whole file may take a few hundred milliseconds.
  const before = await waitFor(
    'a quarter of the file to arrive',
    async () => {
      // -1: the push ended first, with nothing left to kill.
      if (child.exitCode !== null) return -1;
      const held = await heldUploadBytes('weights', id, 'model.bin', join(path, 'model.bin'));
      return held >= (FILE_MIB / 4) * MIB && held;
    },
    60_000,
    10,
  );
  assert.ok(before > 0, 'the push finished before it could be killed half-way');
  child.kill('SIGKILL');
  assert.equal(await exited, 'SIGKILL', 'the push finished before it could be killed half-way');
  assert.equal((await volumeJson(platform, 'weights')).files, 0);

  const resumed = await push(platform, 'weights');
  assert.equal(resumed.uploadedFiles, 1);
  assert.ok(resumed.uploadedBytes <= FILE_MIB * MIB - before, `sent ${resumed.uploadedBytes} bytes, though the platform held ${before} of ${FILE_MIB * MIB}`);
  assert.ok(resumed.uploadedBytes > 0);

  const root = mkdtempSync(join(work, 'root-'));
  await volumeOk(platform, ['volume', 'pull', 'weights'], { root });
  assert.equal(await digestOf(join(root, id, 'model.bin')), digest);
});

/** Starts a PUT of `bytes` as blob `digest` and sends only `first` of them; the rest goes when `finish` is called. */
function startUpload(name: string, digest: string, bytes: Buffer, first: number): { finish(): Promise<number> } {
  const url = new URL(`${platform.url}${volumeApiPath(name, `/blobs/${digest}`)}`);
  const req = request(url, { method: 'PUT', headers: { authorization: `Bearer ${platform.token}`, 'content-length': String(bytes.length) } });
  const status = new Promise<number>((resolve, reject) => {
    req.once('response', (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.once('error', reject);
  });
  req.write(bytes.subarray(0, first));
  return {
    finish: () => {
      req.end(bytes.subarray(first));
      return status;
    },
  };
}

test('two uploads of the same blob by one user at the same moment both succeed', async () => {
  await volumeOk(platform, ['volume', 'create', 'twice']);
  const bytes = randomBytes(4 * MIB);
  const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  // The first holds its resumable upload open half-way while the second arrives whole.
  const first = startUpload('twice', digest, bytes, 2 * MIB);
  await waitFor('half of the first upload to arrive', async () => (await heldBytes('twice', digest)) >= 2 * MIB, 30_000, 10);
  assert.equal(await startUpload('twice', digest, bytes, bytes.length).finish(), 201);
  assert.equal(await first.finish(), 201);
});
