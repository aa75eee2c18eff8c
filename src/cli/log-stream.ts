import { ApiClient, errorFromResponse } from '../client/api-client';

/** A streamed answer of the API (a log being followed): its chunks as they come, until the server ends it. */
export async function* streamFrom(path: string, query: URLSearchParams): AsyncGenerator<Uint8Array> {
  const client = new ApiClient();
  client.requireToken();
  const res = await client.stream(`${path}?${query}`);
  if (res.statusCode !== 200) {
    const chunks: Buffer[] = [];
    for await (const chunk of res) chunks.push(chunk as Buffer);
    throw errorFromResponse(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'));
  }
  yield* res as AsyncIterable<Uint8Array>;
}
