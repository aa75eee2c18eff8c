import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, get, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { sendParts, type FilePart } from '../src/server/blobs/local/file-sender';

// A batched download writes lines and files' bytes one after another (sendParts): small ones a
// group at a time from shared memory the file thread read them into, reused by the next group and
// the next download; a large one piece by piece. A client must get exactly the bytes in order,
// whatever the sizes, with downloads at once, and after one broken off.

const KIB = 1024;
const work = mkdtempSync(join(tmpdir(), 'everai-file-sender-'));
let server: Server;
let url: string;
/** What each request sends, by its path. */
const sends = new Map<string, readonly (Buffer | FilePart)[]>();
const results = new Map<string, Promise<number>>();

before(async () => {
  server = createServer((req, res) => {
    const parts = sends.get(req.url ?? '') ?? [];
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    const sent = sendParts(parts, res);
    results.set(req.url ?? '', sent);
    sent.then(
      () => res.end(),
      () => res.destroy(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(work, { recursive: true, force: true });
});

let files = 0;
/** A file of `size` random bytes, as the part that sends it, and its bytes. */
function file(size: number): { part: FilePart; bytes: Buffer } {
  const bytes = randomBytes(size);
  const path = join(work, `file-${++files}`);
  writeFileSync(path, bytes);
  return { part: { path, size }, bytes };
}

/** A download's parts (each file after a line naming it), and the bytes a client must get. */
function download(sizes: readonly number[]): { parts: (Buffer | FilePart)[]; expected: Buffer } {
  const parts: (Buffer | FilePart)[] = [];
  const expected: Buffer[] = [];
  for (const size of sizes) {
    const line = Buffer.from(`file of ${size} bytes\n`);
    const { part, bytes } = file(size);
    parts.push(line, part);
    expected.push(line, bytes);
  }
  return { parts, expected: Buffer.concat(expected) };
}

/** The bytes of an answer, up to its end or until the server broke it off (or `stopAfter` of them, then the client breaks it off). */
function fetchBytes(path: string, stopAfter = Infinity): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    const req = get(`${url}${path}`, (res) => {
      res.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        received += chunk.length;
        if (received >= stopAfter) req.destroy();
      });
      res.on('close', () => resolve(Buffer.concat(chunks)));
    });
    // A server that broke off before its first byte: no answer to close.
    req.on('error', (error: NodeJS.ErrnoException) => (error.code === 'ECONNRESET' ? resolve(Buffer.concat(chunks)) : reject(error)));
  });
}

test('lines and files of any size arrive in order, byte for byte, with downloads at once', async () => {
  // Empty files, many small ones filling several groups, ones that do not fit the group under way,
  // and one larger than a group (sent piece by piece between groups).
  const downloads = [
    download([0, 1, 10, 0, ...Array.from({ length: 60 }, (_, i) => (i * 7919) % (200 * KIB)), 3 * KIB * KIB, 5 * KIB * KIB, 4 * KIB * KIB - 100, 17]),
    download(Array.from({ length: 200 }, (_, i) => i * 997)),
    download([4 * KIB * KIB, 4 * KIB * KIB + 1, 1]),
  ];
  downloads.forEach(({ parts }, i) => sends.set(`/at-once-${i}`, parts));
  const received = await Promise.all(downloads.map((_, i) => fetchBytes(`/at-once-${i}`)));
  for (const [i, { expected }] of downloads.entries()) {
    assert.equal(received[i]?.length, expected.length, `download ${i}`);
    assert.ok(received[i]?.equals(expected), `download ${i}`);
    assert.equal(await results.get(`/at-once-${i}`), expected.length);
  }
});

test('a download broken off ends its send, and the next download still gets its own bytes', async () => {
  const broken = download(Array.from({ length: 40 }, () => 500 * KIB));
  sends.set('/broken', broken.parts);
  const got = await fetchBytes('/broken', 600 * KIB);
  assert.ok(got.length >= 600 * KIB);
  await assert.rejects(results.get('/broken') as Promise<number>, /connection closed|EPIPE|ECONNRESET|destroyed/);

  const next = download(Array.from({ length: 40 }, () => 300 * KIB));
  sends.set('/next', next.parts);
  assert.ok((await fetchBytes('/next')).equals(next.expected));
});

test('a file shorter than its part says fails the send, naming it', async () => {
  const { part } = file(1000);
  sends.set('/short', [Buffer.from('line\n'), { ...part, size: 2000 }]);
  assert.ok((await fetchBytes('/short')).length < 2005);
  await assert.rejects(results.get('/short') as Promise<number>, /file-\d+ ended at byte 1000, before 2000/);
});
