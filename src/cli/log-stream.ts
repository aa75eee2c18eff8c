import { ApiClient, errorFromResponse } from '../client/api-client';

/** A streamed answer of the API (a log being followed): its chunks as they come, until the server ends it. */
export async function* streamFrom(path: string, query: URLSearchParams): AsyncGenerator<Uint8Array> {
  const client = new ApiClient();
  client.requireToken();
  const res = await client.fetch(`${path}?${query}`);
  if (!res.ok) throw errorFromResponse(res.status, await res.text());
  yield* res.body as unknown as AsyncIterable<Uint8Array>;
}
