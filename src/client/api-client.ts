import { EveraiError, isErrorCode, type ErrorBody } from '../contract/errors';
import { cliToken, endpoint } from './config-file';
import type { IncomingMessage } from 'node:http';
import { exchange, openStream, type Exchange } from './http-exchange';

/** A failure to connect, as Node reports it: a system error's code (ECONNREFUSED), or OpenSSL's for a certificate. */
type SystemError = Error & { code?: string };

/** OpenSSL's codes for a certificate chain that did not verify (SELF_SIGNED_CERT_IN_CHAIN...), and Node's for a wrong name. */
const UNTRUSTED_CERTIFICATE = /CERT|SELF_SIGNED|VERIFY/;

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

  /** A GET with the token whose answer streams (a log being followed): the answer as its head comes. */
  async stream(path: string): Promise<IncomingMessage> {
    try {
      return await openStream(`${this.baseUrl}${path}`, this.authHeaders());
    } catch (error) {
      throw this.unreachable(error as SystemError);
    }
  }

  /** One request with the token, its whole answer whatever its status (the registry's calls read their own errors). */
  async call(method: string, path: string, options: { headers?: Record<string, string>; body?: string | Uint8Array } = {}): Promise<Exchange> {
    try {
      return await exchange(`${this.baseUrl}${path}`, method, { ...this.authHeaders(), ...options.headers }, options.body);
    } catch (error) {
      throw this.unreachable(error as SystemError);
    }
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    this.requireToken();
    const json = body === undefined ? undefined : JSON.stringify(body);
    const res = await this.call(method, path, json === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: json });
    if (res.status < 200 || res.status > 299) throw errorFromResponse(res.status, res.text);
    return (res.text ? JSON.parse(res.text) : {}) as T;
  }

  private unreachable(error: SystemError): EveraiError {
    if (error.code && UNTRUSTED_CERTIFICATE.test(error.code)) {
      return new EveraiError(
        'EVERAI_UNREACHABLE',
        `the everai server at ${this.baseUrl} showed a certificate this machine does not trust (${error.code}: ${error.message}); if a private CA signed it, name the CA's PEM file in NODE_EXTRA_CA_CERTS`,
      );
    }
    return new EveraiError('EVERAI_UNREACHABLE', `cannot reach the everai server at ${this.baseUrl} (${error.code ?? error.message}); is \`everai server\` running?`);
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
