/**
 * Every call the console makes: the server's own API with the signed-in token as a bearer token,
 * like the CLI (docs/console.md). The console sees exactly what the API lets its user see.
 */

/**
 * The token lives only in this page's memory: not in a cookie, which the browser would also send
 * with any same-origin request an app's page makes, and not in storage, which an app's page on
 * the same origin could read. A reload asks for it again.
 */
let token: string | undefined;
export function useToken(value: string): void {
  token = value;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Told when the session is gone (401): the console shows the sign-in again. */
let onSignedOut: () => void = () => undefined;
export function whenSignedOut(listener: () => void): void {
  onSignedOut = listener;
}

async function call(method: string, path: string, body: unknown, signal: AbortSignal | undefined): Promise<Response> {
  const headers: Record<string, string> = {};
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const init: RequestInit = { method, headers, credentials: 'omit', cache: 'no-store' };
  if (body !== undefined) init.body = JSON.stringify(body);
  if (signal) init.signal = signal;
  const response = await fetch(path, init);
  if (response.ok) return response;
  const text = await response.text();
  let message = `${response.status} ${response.statusText}`;
  try {
    message = (JSON.parse(text) as { error: { message: string } }).error.message;
  } catch {
    // Not the API's error body: the status says it.
  }
  if (response.status === 401) onSignedOut();
  throw new ApiError(response.status, message);
}

export async function api<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  return (await call(method, path, body, signal)).json() as Promise<T>;
}

export const get = <T>(path: string, signal?: AbortSignal) => api<T>('GET', path, undefined, signal);

/** A streamed answer (a followed log), read chunk by chunk until it ends or `signal` aborts. */
export async function stream(path: string, signal: AbortSignal, onText: (text: string) => void): Promise<void> {
  const response = await call('GET', path, undefined, signal);
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    onText(decoder.decode(value, { stream: true }));
  }
}

/** An app's API path. */
export function appPath(namespace: string, name: string): string {
  return `/api/apps/v1/namespaces/${encodeURIComponent(namespace)}/apps/${encodeURIComponent(name)}`;
}
