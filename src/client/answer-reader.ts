import type { IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import { finished } from 'node:stream/promises';
import { ChunkedDecoder } from './chunked-decoder';

/**
 * What one read off a download's socket may take. 256 KiB: a GiB comes in a few thousand reads,
 * not sixteen thousand. With 1 MiB (each piece then a write of up to 1 MiB), 3 runs of 7 took
 * 1.1-1.9 s of kernel time per GiB instead of 0.3-0.4 s; with 256 KiB none of 7 did.
 */
const READ_BUFFER_BYTES = 256 * 1024;
/** An answer's status line and headers longer than this are refused. */
const HEAD_LIMIT = 64 * 1024;

/**
 * Takes a piece of an answer's body; the piece is valid only during the call (its memory is read
 * into again after). A promise back asks for no more pieces until it settles: the rest of the read
 * at hand still comes, then the socket is read no further meanwhile.
 */
export type PieceSink = (piece: Buffer) => Promise<void> | void;

export interface StreamedAnswer {
  status: number;
  /**
   * Settles when the body is over: with its text for a status other than 200, with '' for a 200,
   * whose pieces went to the sink. Rejects if the connection breaks off or the sink throws.
   */
  body: Promise<string>;
}

/**
 * A request with a small body (or none) whose answer's body, for a 200, goes piece by piece to
 * `onPiece`, synchronously. Over plain HTTP the socket reads into one buffer of its own (`onread`),
 * and the body is cut from it as it is: no buffer is allocated per read and none is copied.
 * node:http allocated a 64 KiB buffer for each read and its parser copied each body piece into
 * another one: with the stream around them, a quarter to a third of the CLI's CPU in a pull. The
 * platform answers downloads with a Content-Length; a chunked answer is decoded, and one with
 * neither is read until the connection closes (the request asks for that). Over HTTPS, node:https
 * reads as before. The promise rejects with the system error (`code`: ECONNREFUSED...) if no
 * answer starts.
 */
export function openAnswer(url: string, method: string, headers: Record<string, string>, body: string | undefined, onPiece: PieceSink): Promise<StreamedAnswer> {
  const target = new URL(url);
  return target.protocol === 'https:' ? openSecure(target, method, headers, body, onPiece) : openPlain(target, method, headers, body, onPiece);
}

interface Head {
  status: number;
  /** -1 when the body runs until the connection closes, or comes chunked. */
  length: number;
  chunked: boolean;
}

function parseHead(text: string): Head {
  const [statusLine = '', ...lines] = text.split('\r\n');
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1];
  if (status === undefined) throw new Error(`the answer starts ${JSON.stringify(statusLine.slice(0, 80))}, not with an HTTP/1.1 status line`);
  let length = -1;
  let chunked = false;
  for (const line of lines) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'content-length') {
      if (!/^\d+$/.test(value)) throw new Error(`the answer's Content-Length is ${JSON.stringify(value)}`);
      length = Number(value);
    }
    if (name === 'transfer-encoding') {
      chunked = value.toLowerCase() === 'chunked';
      if (!chunked && value.toLowerCase() !== 'identity') throw new Error(`the answer came with Transfer-Encoding ${value}, which the CLI does not read`);
    }
  }
  return { status: Number(status), length: chunked ? -1 : length, chunked };
}

function openPlain(target: URL, method: string, headers: Record<string, string>, body: string | undefined, onPiece: PieceSink): Promise<StreamedAnswer> {
  return new Promise((resolveHead, rejectHead) => {
    let resolveBody: (text: string) => void = () => undefined;
    let rejectBody: (error: Error) => void = () => undefined;
    const bodyDone = new Promise<string>((resolve, reject) => {
      resolveBody = resolve;
      rejectBody = reject;
    });
    /** The bytes of the head so far; undefined once it is read. */
    let head: Buffer | undefined = Buffer.alloc(0);
    let status = 0;
    /** Bytes of the body still to come; -1 when it runs until the connection closes, or is chunked. */
    let left = -1;
    const text: Buffer[] = [];
    let settled = false;

    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      if (head === undefined) rejectBody(error);
      else rejectHead(error);
    };
    const finish = () => {
      settled = true;
      socket.destroy();
      resolveBody(status === 200 ? '' : Buffer.concat(text).toString('utf8'));
    };
    /** What the sink asked to wait for during the read at hand. */
    let hold: Promise<void> | undefined;
    const deliver = (piece: Buffer) => {
      if (status === 200) hold = onPiece(piece) ?? hold;
      else text.push(Buffer.from(piece));
    };
    /** Set when the body comes chunked (the platform never sends one so; a proxy in between might). */
    let chunks: ChunkedDecoder | undefined;
    const take = (piece: Buffer) => {
      if (chunks) {
        chunks.push(piece);
        if (chunks.done) finish();
        return;
      }
      const mine = left >= 0 && piece.length > left ? piece.subarray(0, left) : piece;
      deliver(mine);
      if (left < 0) return;
      left -= mine.length;
      if (left === 0) finish();
    };
    const read = (bytes: number, buffer: Buffer): boolean => {
      if (settled) return false;
      try {
        let piece = buffer.subarray(0, bytes);
        if (head !== undefined) {
          head = Buffer.concat([head, piece]);
          const end = head.indexOf('\r\n\r\n');
          if (end < 0) {
            if (head.length > HEAD_LIMIT) throw new Error(`the answer's head runs past ${HEAD_LIMIT} bytes`);
            return true;
          }
          const parsed = parseHead(head.toString('latin1', 0, end));
          piece = head.subarray(end + 4);
          head = undefined;
          status = parsed.status;
          left = parsed.length;
          if (parsed.chunked) chunks = new ChunkedDecoder(deliver);
          resolveHead({ status, body: bodyDone });
          if (left === 0) finish();
        }
        if (piece.length > 0 && !settled) take(piece);
      } catch (error) {
        fail(error as Error);
      }
      if (settled || hold === undefined) return !settled;
      // false stops reading; resume() starts it again.
      void hold.then(() => {
        if (!settled) socket.resume();
      });
      hold = undefined;
      return false;
    };

    const socket = connect({
      host: target.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: Number(target.port || 80),
      onread: { buffer: Buffer.allocUnsafe(READ_BUFFER_BYTES), callback: read },
    });
    socket.on('error', fail);
    socket.on('close', () => {
      if (settled) return;
      if (head === undefined && left < 0 && !chunks) finish();
      else if (head === undefined) fail(new Error(chunks ? 'the connection closed before the last chunk of the answer' : `the connection closed with ${left} bytes of the answer still to come`));
      else fail(new Error('the connection closed before an answer'));
    });
    const lines = [`${method} ${target.pathname}${target.search} HTTP/1.1`, `host: ${target.host}`, 'connection: close'];
    for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
    if (body !== undefined) lines.push(`content-length: ${Buffer.byteLength(body)}`);
    // Written, not ended: Node's server drops a request whose connection is half-closed.
    socket.write(`${lines.join('\r\n')}\r\n\r\n${body ?? ''}`);
  });
}

function openSecure(target: URL, method: string, headers: Record<string, string>, body: string | undefined, onPiece: PieceSink): Promise<StreamedAnswer> {
  // https, and tls with it, only for an https endpoint (as http-exchange.ts loads it).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const https = require('node:https') as typeof import('node:https');
  return new Promise((resolve, reject) => {
    const withLength = body === undefined ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) };
    const req = https.request(target, { method, headers: withLength }, (res: IncomingMessage) => {
      const text: Buffer[] = [];
      res.on('data', (chunk: Buffer) => {
        if (res.statusCode !== 200) text.push(chunk);
        else {
          try {
            const hold = onPiece(chunk);
            if (hold) {
              res.pause();
              void hold.then(() => res.resume());
            }
          } catch (error) {
            res.destroy(error as Error);
          }
        }
      });
      resolve({ status: res.statusCode ?? 0, body: finished(res).then(() => Buffer.concat(text).toString('utf8')) });
    });
    req.on('error', reject);
    req.end(body);
  });
}
