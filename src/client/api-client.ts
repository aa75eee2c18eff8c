import { EveraiError, isErrorCode, type ErrorBody } from '../contract/errors';
import { cliToken, endpoint } from './config-file';

/** The CLI's one door to the server's REST API: adds the token, turns error bodies into EveraiErrors. */
export class ApiClient {
  constructor(
    readonly baseUrl: string = endpoint(),
    private readonly token: string | undefined = cliToken()?.token,
  ) {}

  authHeaders(): Record<string, string> {
    return this.token ? { authorization: `Bearer ${this.token}` } : {};
  }

  requireToken(): string {
    if (!this.token) throw new EveraiError('EVERAI_UNAUTHENTICATED', 'not logged in: run `everai login --token TOKEN`');
    return this.token;
  }

  async fetch(path: string, init: RequestInit = {}): Promise<Response> {
    const url = `${this.baseUrl}${path}`;
    try {
      return await fetch(url, { ...init, headers: { ...this.authHeaders(), ...(init.headers as Record<string, string>) } });
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
      throw new EveraiError('EVERAI_UNREACHABLE', `cannot reach the everai server at ${this.baseUrl} (${cause}); is \`everai server\` running?`);
    }
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    this.requireToken();
    const init: RequestInit = { method };
    if (body !== undefined) {
      init.body = JSON.stringify(body);
      init.headers = { 'content-type': 'application/json' };
    }
    const res = await this.fetch(path, init);
    const text = await res.text();
    if (!res.ok) throw errorFromResponse(res.status, text);
    return (text ? JSON.parse(text) : {}) as T;
  }

  get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }
}

export function errorFromResponse(status: number, text: string): EveraiError {
  try {
    const body = JSON.parse(text) as ErrorBody;
    const code = isErrorCode(body.error.code) ? body.error.code : 'EVERAI_INTERNAL';
    return new EveraiError(code, body.error.message);
  } catch {
    return new EveraiError('EVERAI_INTERNAL', `server answered ${status}: ${text.slice(0, 200)}`);
  }
}
