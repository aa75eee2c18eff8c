import type { IncomingMessage } from 'node:http';
import { EveraiError } from '../../contract/errors';

/** API bodies are small JSON documents; anything bigger is a mistake or an attack. */
export const API_BODY_LIMIT = 1024 * 1024;

/**
 * The body's pieces as they arrive, refused once it is over `limit` bytes (as Content-Length says,
 * before any is read, or as they arrive).
 */
export async function* limitedBody(req: IncomingMessage, limit: number): AsyncGenerator<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) throw new EveraiError('EVERAI_BODY_TOO_LARGE', `request body is over ${limit} bytes`);
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new EveraiError('EVERAI_BODY_TOO_LARGE', `request body is over ${limit} bytes`);
    yield chunk;
  }
}

/** The whole body, refused once it is over `limit` bytes. */
export async function readBytes(req: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of limitedBody(req, limit)) chunks.push(chunk);
  return Buffer.concat(chunks);
}

export async function readJson<T = unknown>(req: IncomingMessage, limit = API_BODY_LIMIT): Promise<T> {
  const body = await readBytes(req, limit);
  if (body.length === 0) return {} as T;
  try {
    return JSON.parse(body.toString('utf8')) as T;
  } catch {
    throw new EveraiError('EVERAI_BAD_REQUEST', 'request body is not valid JSON');
  }
}
