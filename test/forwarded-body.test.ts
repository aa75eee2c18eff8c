import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { Pool } from 'undici';
import { Abort } from '../src/server/gateway/node/abort';
import { ForwardedBody, proxyToWorker } from '../src/server/gateway/node/proxy';

// A request's body read once for all the tries to forward it: a try whose connection never opened
// sends nothing, so the request may go to another worker whatever its method (docs/data-plane.md).

async function listening(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** Closes the servers and their connections: one whose request body was never read to its end stays open else. */
async function closeAll(servers: Server[]): Promise<void> {
  await Promise.all(
    servers.map((server) => {
      const closed = new Promise((resolve) => server.close(resolve));
      server.closeAllConnections();
      return closed;
    }),
  );
}

/** A port nothing listens on: one the system just gave and took back. */
async function refusingPort(): Promise<number> {
  const server = createServer();
  const port = await listening(server);
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A worker that answers the sha256 of the body it got. */
function hashingWorker(): Server {
  return createServer((req, res) => {
    const hash = createHash('sha256');
    req.on('data', (chunk: Buffer) => hash.update(chunk));
    req.on('end', () => res.end(hash.digest('hex')));
  });
}

/** POSTs `body` to the gateway stand-in on `port`: its status and answer. */
function post(port: number, body: Buffer): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ port, host: '127.0.0.1', method: 'POST', path: '/x', headers: { 'content-length': body.length } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      // Not 'end': an answer that comes before the whole body was sent may close without one.
      res.on('close', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A stand-in for the gateway: tries `pools` in order with one ForwardedBody, as the gateway does, and says how each try ended. */
function tryingGateway(pools: Pool[], tries: string[]): Server {
  return createServer((req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const body = new ForwardedBody(req, 64 * 1024 * 1024);
      for (const pool of pools) {
        try {
          await proxyToWorker(res, pool, { method: 'POST', path: '/x', headers: { 'content-length': String(req.headers['content-length']) }, body }, new Abort());
          tries.push('answered');
          return;
        } catch (error) {
          tries.push(body.neverSent(error) ? 'never sent' : 'sent');
          if (!body.neverSent(error)) break;
        }
      }
      res.writeHead(502).end();
    })();
  });
}

test('a POST whose first worker refuses the connection reaches the next one with its whole body', async () => {
  const worker = hashingWorker();
  const pools = [new Pool(`http://127.0.0.1:${await refusingPort()}`), new Pool(`http://127.0.0.1:${await listening(worker)}`)];
  const tries: string[] = [];
  const gateway = tryingGateway(pools, tries);
  try {
    const body = randomBytes(3 * 1024 * 1024 + 17);
    const answer = await post(await listening(gateway), body);
    assert.deepEqual(answer, { status: 200, text: createHash('sha256').update(body).digest('hex') });
    assert.deepEqual(tries, ['never sent', 'answered']);
  } finally {
    await Promise.all(pools.map((pool) => pool.close()));
    await closeAll([worker, gateway]);
  }
});

test('a POST a worker took part of and then dropped is not sent again', async () => {
  // It reads some of the body, then drops the connection: it may have acted on the request.
  const dropping = createServer((req) => req.once('data', () => req.socket.destroy()));
  const worker = hashingWorker();
  const pools = [new Pool(`http://127.0.0.1:${await listening(dropping)}`), new Pool(`http://127.0.0.1:${await listening(worker)}`)];
  const tries: string[] = [];
  const gateway = tryingGateway(pools, tries);
  try {
    const answer = await post(await listening(gateway), randomBytes(1024 * 1024));
    assert.equal(answer.status, 502);
    assert.deepEqual(tries, ['sent']);
  } finally {
    await Promise.all(pools.map((pool) => pool.close()));
    await closeAll([dropping, worker, gateway]);
  }
});

test('a body that went over the limit while its request waited fails the first try at once, with the limit error', async () => {
  const worker = hashingWorker();
  const pool = new Pool(`http://127.0.0.1:${await listening(worker)}`);
  const failures: string[] = [];
  const gateway = createServer((req, res) => {
    const body = new ForwardedBody(req, 1024);
    // The request waits (for a worker, say) while its body comes in and goes over the limit.
    void (async () => {
      while (body.error === undefined) await new Promise((resolve) => setTimeout(resolve, 5));
      await proxyToWorker(res, pool, { method: 'POST', path: '/x', headers: {}, body }, new Abort()).then(
        () => failures.push('answered'),
        (error: Error) => {
          failures.push(error.message);
          res.writeHead(413).end();
        },
      );
    })();
  });
  try {
    const answer = await post(await listening(gateway), randomBytes(4096));
    assert.equal(answer.status, 413);
    assert.deepEqual(failures, ['request body is over 1024 bytes']);
  } finally {
    await pool.close();
    await closeAll([worker, gateway]);
  }
});
