import { EveraiError, isErrorCode, type ErrorBody } from '../contract/errors';
import { cliToken, endpoint } from './config-file';
import { exchange, type Exchange } from './http-exchange';

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
    try {
      return await fetch(`${this.baseUrl}${path}`, { ...init, headers: { ...this.authHeaders(), ...(init.headers as Record<string, string>) } });
    } catch (error) {
      throw this.unreachable((error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message);
    }
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    this.requireToken();
    const json = body === undefined ? undefined : JSON.stringify(body);
    const headers = json === undefined ? this.authHeaders() : { ...this.authHeaders(), 'content-type': 'application/json' };
    let res: Exchange;
    try {
      res = await exchange(`${this.baseUrl}${path}`, method, headers, json);
    } catch (error) {
      throw this.unreachable((error as { code?: string }).code ?? (error as Error).message);
    }
    if (res.status < 200 || res.status > 299) throw errorFromResponse(res.status, res.text);
    return (res.text ? JSON.parse(res.text) : {}) as T;
  }

  private unreachable(cause: string): EveraiError {
    return new EveraiError('EVERAI_UNREACHABLE', `cannot reach the everai server at ${this.baseUrl} (${cause}); is \`everai server\` running?`);
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
