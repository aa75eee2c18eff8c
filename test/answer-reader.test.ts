import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { after, test } from 'node:test';
import { openAnswer } from '../src/client/answer-reader';

// A download's answer is read off a socket of its own into one reused buffer, its body cut from
// that buffer: what arrives in odd pieces, broken off or not 200 must still come out right.

const servers: Server[] = [];
after(() => Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve)))));

function listen(server: Server): Promise<string> {
  servers.push(server);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));
}

/** A server that writes `pieces` to each connection, a few milliseconds apart, then closes it or not. */
function rawServer(pieces: readonly (string | Buffer)[], close: boolean): Promise<string> {
  const server = createNetServer((socket: Socket) => {
    socket.once('data', () => {
      const next = (index: number): void => {
        if (index < pieces.length) {
          socket.write(pieces[index] as string | Buffer);
          setTimeout(() => next(index + 1), 20);
        } else if (close) socket.end();
        else socket.destroy();
      };
      next(0);
    });
  }) as unknown as Server;
  return listen(server);
}

/** Opens `url` and collects its 200 body from the pieces, each copied (the buffer behind it is read into again). */
async function collect(url: string, method = 'GET', body?: string): Promise<{ status: number; text: string; bytes: Buffer }> {
  const pieces: Buffer[] = [];
  const answer = await openAnswer(url, method, { 'x-test': '1' }, body, (piece) => void pieces.push(Buffer.from(piece)));
  const text = await answer.body;
  return { status: answer.status, text, bytes: Buffer.concat(pieces) };
}

test('a large body of known length arrives whole, with the request method, headers and body as sent', async () => {
  const content = randomBytes(5 * 1024 * 1024 + 17);
  const url = await listen(
    createHttpServer((req, res) => {
      let sent = '';
      req.on('data', (chunk: Buffer) => (sent += chunk.toString()));
      req.on('end', () => {
        assert.equal(req.method, 'POST');
        assert.equal(req.headers['x-test'], '1');
        assert.equal(sent, '{"paths":["a"]}');
        res.writeHead(200, { 'content-length': String(content.length) });
        // In pieces of odd sizes, so reads end in the middle of what was written.
        for (let at = 0; at < content.length; at += 300_001) res.write(content.subarray(at, at + 300_001));
        res.end();
      });
    }),
  );
  const answer = await collect(`${url}/files:download`, 'POST', '{"paths":["a"]}');
  assert.equal(answer.status, 200);
  assert.equal(answer.text, '');
  assert.ok(answer.bytes.equals(content));
});

test('a sink that asks to wait gets no piece until its promise settles, then the rest, in order', async () => {
  const content = randomBytes(8 * 1024 * 1024);
  const url = await listen(
    createHttpServer((_req, res) => {
      res.writeHead(200, { 'content-length': String(content.length) });
      res.end(content);
    }),
  );
  const pieces: Buffer[] = [];
  let received = 0;
  let waits = 0;
  let waiting = false;
  let whileWaiting = 0;
  const answer = await openAnswer(url, 'GET', {}, undefined, (piece) => {
    if (waiting) whileWaiting++;
    pieces.push(Buffer.from(piece));
    received += piece.length;
    if (waits === 3 || received < (waits + 1) * 2 * 1024 * 1024) return;
    waits++;
    // The rest of the read at hand may still come; from the next turn on, nothing until the wait is over.
    queueMicrotask(() => (waiting = true));
    return new Promise<void>((resolve) =>
      setTimeout(() => {
        waiting = false;
        resolve();
      }, 50),
    );
  });
  assert.equal(await answer.body, '');
  assert.equal(waits, 3);
  assert.equal(whileWaiting, 0, 'pieces came while the sink waited');
  assert.ok(Buffer.concat(pieces).equals(content));
});

test('an answer other than 200 gives its text, and nothing to the sink', async () => {
  const url = await listen(
    createHttpServer((_req, res) => {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end('{"error":{"code":"EVERAI_NOT_FOUND","message":"no such file"}}');
    }),
  );
  const answer = await collect(`${url}/missing`);
  assert.equal(answer.status, 404);
  assert.equal(answer.text, '{"error":{"code":"EVERAI_NOT_FOUND","message":"no such file"}}');
  assert.equal(answer.bytes.length, 0);
});

test('a head split across reads, and a body without a length, are read until the connection closes', async () => {
  const url = await rawServer(['HTTP/1.1 200 OK\r\nconn', 'ection: close\r\n\r\nfirst ', 'second'], true);
  const answer = await collect(url);
  assert.equal(answer.status, 200);
  assert.equal(answer.bytes.toString(), 'first second');
});

test('a body broken off before its Content-Length is refused', async () => {
  const url = await rawServer(['HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n', 'only part'], false);
  await assert.rejects(collect(url), /closed with 91 bytes of the answer still to come/);
});

test('a chunked answer is decoded, its chunks and size lines split across reads', async () => {
  const url = await rawServer(['HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhel', 'lo\r', '\n1', '0;ext=1\r\n, and sixteen!!!\r\n0\r\n\r\n'], false);
  const answer = await collect(url);
  assert.equal(answer.bytes.toString(), 'hello, and sixteen!!!');
});

test('a chunked answer broken off before its last chunk is refused', async () => {
  const url = await rawServer(['HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n'], true);
  await assert.rejects(collect(url), /closed before the last chunk/);
});

test("the sink's error ends the answer with that error", async () => {
  const url = await listen(createHttpServer((_req, res) => res.end('some bytes')));
  const answer = await openAnswer(url, 'GET', {}, undefined, () => {
    throw new Error('disk full');
  });
  await assert.rejects(answer.body, /disk full/);
});

test('no server: the system error, before any answer', async () => {
  const url = await listen(createHttpServer());
  await new Promise((resolve) => (servers.pop() as Server).close(resolve));
  await assert.rejects(openAnswer(url, 'GET', {}, undefined, () => undefined), { code: 'ECONNREFUSED' });
});
