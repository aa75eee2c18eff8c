import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Socket } from 'node:net';
import { EveraiError } from '../contract/errors';
import { EXEC_PROTOCOL, encodeFrame, FRAME, FrameReader, MAX_FRAME } from '../contract/exec-frames';
import { errorFromResponse, type ApiClient } from './api-client';

export interface ExecOptions {
  workerId: string;
  argv: string[];
  /** Send this process's stdin (-i). */
  stdin: boolean;
  /** A pseudo-terminal (-t): raw mode here when stdin is a terminal, window size passed on. */
  tty: boolean;
}

/**
 * `everai worker exec` (docs/exec.md): one HTTP/1.1 connection upgraded to the exec protocol,
 * streaming this process's stdin and the command's stdout and stderr. Resolves with the command's
 * exit code.
 */
export async function execInWorker(api: ApiClient, options: ExecOptions): Promise<number> {
  const token = api.requireToken();
  const url = new URL(`${api.baseUrl}/api/apps/v1/workers/${encodeURIComponent(options.workerId)}/exec`);
  for (const arg of options.argv) url.searchParams.append('command', arg);
  if (options.tty) {
    url.searchParams.set('tty', 'true');
    url.searchParams.set('rows', String(process.stdout.rows || 24));
    url.searchParams.set('cols', String(process.stdout.columns || 80));
  }
  const socket = await upgrade(url, token);
  return relay(socket, options);
}

function upgrade(url: URL, token: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const req = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, {
      headers: { authorization: `Bearer ${token}`, connection: 'Upgrade', upgrade: EXEC_PROTOCOL },
    });
    req.once('upgrade', (_res, socket, head) => {
      if (head.length > 0) socket.unshift(head);
      resolve(socket);
    });
    // No upgrade: the server refused, with the API's JSON error.
    req.once('response', (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.once('end', () => reject(errorFromResponse(res.statusCode ?? 500, text)));
    });
    req.once('error', (error) =>
      reject(new EveraiError('EVERAI_UNREACHABLE', `cannot reach the everai server at ${url.origin} (${(error as NodeJS.ErrnoException).code ?? error.message})`)),
    );
    req.end();
  });
}

function relay(socket: Socket, options: ExecOptions): Promise<number> {
  return new Promise((resolve, reject) => {
    let result: number | undefined;
    const raw = options.tty && process.stdin.isTTY;
    const restore = () => {
      if (raw) process.stdin.setRawMode(false);
      process.stdin.pause();
      process.stdout.off('resize', onResize);
    };
    const onResize = () => socket.write(encodeFrame(FRAME.resize, JSON.stringify({ rows: process.stdout.rows, cols: process.stdout.columns })));
    const reader = new FrameReader((type, payload) => {
      if (type === FRAME.stdout) process.stdout.write(payload);
      else if (type === FRAME.stderr) process.stderr.write(payload);
      else if (type === FRAME.exit) result = (JSON.parse(payload.toString('utf8')) as { code: number }).code;
    });
    socket.on('data', (chunk: Buffer) => reader.push(chunk));
    socket.once('close', () => {
      restore();
      if (result === undefined) reject(new EveraiError('EVERAI_WORKER_FAILED', 'the exec connection closed before the command ended'));
      else resolve(result);
    });
    socket.once('error', () => undefined);
    if (options.tty && process.stdout.isTTY) process.stdout.on('resize', onResize);
    if (!options.stdin) {
      socket.write(encodeFrame(FRAME.stdinEnd));
      return;
    }
    if (raw) process.stdin.setRawMode(true);
    process.stdin.on('data', (chunk: Buffer) => {
      for (let at = 0; at < chunk.length; at += MAX_FRAME) socket.write(encodeFrame(FRAME.stdin, chunk.subarray(at, at + MAX_FRAME)));
    });
    process.stdin.once('end', () => socket.write(encodeFrame(FRAME.stdinEnd)));
  });
}
