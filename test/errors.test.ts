import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { ERROR_CATALOGUE, EveraiError } from '../src/contract/errors';
import { sendError } from '../src/server/http/respond';
import { capturedLogger } from './helpers/logger';
import { REPO_ROOT } from './helpers/cli';

test('every error code is documented in docs/errors.md', () => {
  const doc = readFileSync(join(REPO_ROOT, 'docs', 'errors.md'), 'utf8');
  for (const [code, entry] of Object.entries(ERROR_CATALOGUE)) {
    assert.match(doc, new RegExp(`\\| \`${code}\` \\| ${entry.status} \\| ${entry.exit} \\|`), `${code} is undocumented`);
  }
});

test('an EveraiError keeps what failed underneath as its cause', () => {
  const underneath = Object.assign(new Error('connect ECONNREFUSED 10.0.0.2:8080'), { code: 'ECONNREFUSED' });
  const error = new EveraiError('EVERAI_WORKER_FAILED', 'the worker failed before answering', { cause: underneath });
  assert.equal(error.cause, underneath);
  assert.equal(error.status, 502);
  // Without one there is no `cause` at all, so a log line does not show "[cause]: undefined".
  assert.equal('cause' in new EveraiError('EVERAI_NOT_FOUND', 'no such app'), false);
});

/** What a user's client gets when `error` reaches the one place that answers with errors. */
async function answerFor(error: unknown, log = capturedLogger().log): Promise<string> {
  const server = createServer((req, res) => sendError(req, res, error, log));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    return await (await fetch(`http://127.0.0.1:${port}/api/apps`)).text();
  } finally {
    server.close();
  }
}

test('a user never reads a cause or a stack, whichever error reaches the response; the server log has both', async () => {
  const secret = new Error('SQLITE_IOERR: disk I/O error at /var/lib/everai/state.db');
  const wrapped = await answerFor(new EveraiError('EVERAI_WORKER_FAILED', 'the worker failed before answering', { cause: secret }));
  assert.deepEqual(JSON.parse(wrapped), { error: { code: 'EVERAI_WORKER_FAILED', message: 'the worker failed before answering' } });

  const { log, lines } = capturedLogger();
  const internal = await answerFor(new Error('internal', { cause: secret }), log);
  const body = JSON.parse(internal) as { error: { code: string; message: string; requestId: string } };
  assert.equal(body.error.code, 'EVERAI_INTERNAL');
  assert.equal(body.error.message, `internal error (request id ${body.error.requestId})`);
  assert.doesNotMatch(internal, /SQLITE|state\.db|at .*\.js/);
  // The request id in the answer finds the line, with the cause, in the server's log.
  const logged = lines.map((line) => JSON.parse(line) as { level: string; requestId: string; error: { stack: string } });
  const line = logged.find((l) => l.requestId === body.error.requestId);
  assert.equal(line?.level, 'error');
  assert.match(line?.error.stack ?? '', /\[cause\]: Error: SQLITE_IOERR/);
});
