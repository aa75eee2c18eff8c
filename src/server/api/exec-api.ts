import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { z } from 'zod';
import { EveraiError } from '../../contract/errors';
import { EXEC_PROTOCOL, encodeFrame, FRAME, FrameReader } from '../../contract/exec-frames';
import type { Authenticator } from '../auth';
import { launchFor, type LaunchDeps } from '../controller/worker-launcher';
import type { Logger } from '../logger';
import type { ExecSession, Runtime } from '../runtime/runtime';
import { isTerminal } from '../store/records';
import { ownedWorker } from './owned-worker';
import { booleanFlag } from './common-schemas';
import { parseQuery } from '../http/parse-input';
import type { RouteSpec } from '../http/route-spec';

export interface ExecDeps {
  auth: Authenticator;
  runtime: Runtime;
  launch: LaunchDeps;
  log: Logger;
}

const EXEC_PATH = /^\/api\/apps\/v1\/workers\/([^/]+)\/exec$/;
const MAX_ARGS = 256;
const SAY_WHAT = 'say what to run: command=CMD&command=ARG...';

/** A size that is not a count falls back to the usual one, as for a terminal that reports none. */
const terminalSize = (fallback: number) =>
  z.string().regex(/^\d{1,4}$/).transform(Number).pipe(z.number().int().min(1)).optional().catch(undefined).transform((n) => n ?? fallback);

/**
 * The exec route as the API's table describes it. The upgrade itself is handled here, on the
 * server's `upgrade` event; the router's route answers a request without `Upgrade` (a 400).
 */
export const execRoute = {
  method: 'GET',
  path: '/api/apps/v1/workers/:id/exec',
  tag: 'workers',
  summary: 'Run a command in a running worker, over a connection upgraded to the exec protocol (docs/exec.md)',
  headers: z.object({ upgrade: z.literal(EXEC_PROTOCOL), connection: z.literal('Upgrade') }),
  query: z.object({
    command: z
      .array(z.string(), { error: SAY_WHAT })
      .min(1, SAY_WHAT)
      .max(MAX_ARGS)
      .describe('The program and its arguments, in order: command=CMD&command=ARG...'),
    tty: booleanFlag.describe('true: run it on a terminal'),
    rows: terminalSize(24).describe("The terminal's height, with tty"),
    cols: terminalSize(80).describe("The terminal's width, with tty"),
  }),
  responses: { 101: { description: `Switching to ${EXEC_PROTOCOL}: stdin, stdout, stderr, window size and exit code as frames` } },
} satisfies RouteSpec;

/**
 * `everai worker exec` (docs/exec.md): `GET /api/apps/v1/workers/ID/exec` with
 * `Upgrade: everai-exec.v1` (RFC 9110 §7.8) becomes one connection carrying the command's stdin,
 * stdout, stderr, window size and exit code as frames. Every check happens before the 101, so a
 * refusal is an ordinary JSON error response.
 */
export function handleExecUpgrade(deps: ExecDeps, req: IncomingMessage, socket: Duplex, head: Buffer): void {
  socket.on('error', () => socket.destroy());
  start(deps, req, socket, head).catch((error: unknown) => refuse(socket, error, deps.log));
}

async function start(deps: ExecDeps, req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://everai');
  const id = EXEC_PATH.exec(url.pathname)?.[1];
  if (id === undefined) throw new EveraiError('EVERAI_NOT_FOUND', `no upgradable route ${url.pathname}`);
  if (req.headers.upgrade?.toLowerCase() !== EXEC_PROTOCOL) {
    throw new EveraiError('EVERAI_BAD_REQUEST', `worker exec needs Upgrade: ${EXEC_PROTOCOL}`);
  }
  const user = await deps.auth.require(req);
  const { store } = deps.launch;
  const { worker, app } = await ownedWorker(store, user, decodeURIComponent(id));
  if (isTerminal(worker.status) || worker.pid === null) {
    throw new EveraiError('EVERAI_CONFLICT', `worker '${id}' is ${worker.status}, not running: exec needs a running worker`);
  }
  const query = parseQuery(execRoute.query, url.searchParams);
  const argv = query.command;
  const tty = query.tty ? { rows: query.rows, cols: query.cols } : null;
  const revision = await store.apps.revision(app.id, worker.revision);
  if (!revision) throw new Error(`app ${app.id} lacks its revision ${worker.revision}`);
  const session = await deps.runtime.exec(await launchFor(deps.launch, worker.id, revision), { argv, tty });
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: ${EXEC_PROTOCOL}\r\nConnection: Upgrade\r\n\r\n`);
  relay(session, socket, head);
}

/** Frames both ways until the command ends (exit frame, then close) or the client goes (the command is killed). */
function relay(session: ExecSession, socket: Duplex, head: Buffer): void {
  let finished = false;
  session.stdin.on('error', () => undefined);
  const reader = new FrameReader((type, payload) => {
    if (type === FRAME.stdin) session.stdin.write(payload);
    else if (type === FRAME.stdinEnd) session.stdin.end();
    else if (type === FRAME.resize) {
      const { rows, cols } = JSON.parse(payload.toString('utf8')) as { rows?: unknown; cols?: unknown };
      if (typeof rows === 'number' && typeof cols === 'number') session.resize(rows, cols);
    }
  });
  const onData = (chunk: Buffer) => {
    try {
      reader.push(chunk);
    } catch {
      socket.destroy();
    }
  };
  if (head.length > 0) onData(head);
  socket.on('data', onData);
  socket.once('close', () => {
    if (!finished) session.kill();
  });
  for (const [stream, type] of [
    [session.stdout, FRAME.stdout],
    [session.stderr, FRAME.stderr],
  ] as const) {
    stream.on('data', (chunk: Buffer) => {
      // The client reads slower than the command writes: hold the command's output back.
      if (!socket.write(encodeFrame(type, chunk))) {
        stream.pause();
        socket.once('drain', () => stream.resume());
      }
    });
  }
  void session.exited.then((code) => {
    finished = true;
    socket.end(encodeFrame(FRAME.exit, JSON.stringify({ code })));
  });
}

/** An error before the upgrade, as the JSON error response any API route gives. */
function refuse(socket: Duplex, error: unknown, log: Logger): void {
  const known = error instanceof EveraiError;
  if (!known) log.error('worker exec failed before the upgrade', { error });
  const status = known ? error.status : 500;
  const body = JSON.stringify({ error: { code: known ? error.code : 'EVERAI_INTERNAL', message: known ? error.message : 'internal error' } });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}
