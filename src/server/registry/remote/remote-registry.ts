import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { Agent, interceptors, request, type Dispatcher } from 'undici';
import { EveraiError } from '../../../contract/errors';
import { IMAGE_MANIFEST_TYPES, INDEX_MANIFEST_TYPES, MANIFEST_SIZE_LIMIT } from '../../../contract/oci';
import { parseChallenge } from './www-authenticate';

export interface RegistryCredentials {
  username: string;
  password: string;
}

export interface RemoteManifest {
  bytes: Buffer;
  mediaType: string;
  /** sha256 of the bytes, checked against the reference and the registry's Docker-Content-Digest. */
  digest: string;
}

/** Registries on this machine speak plain HTTP (as docker treats localhost); every other one HTTPS. */
const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])(:\d+)?$/;
const REQUEST_TIMEOUT_MS = 30_000;

/** Blob downloads may be redirected to storage elsewhere (distribution spec, "Pulling blobs"). */
const dispatcher: Dispatcher = new Agent({ headersTimeout: REQUEST_TIMEOUT_MS }).compose(interceptors.redirect({ maxRedirections: 5 }));

function sha256(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/**
 * A client of another OCI registry (distribution spec, "Pull"): manifests and blobs of one
 * registry host, authenticated with HTTP Basic, or with the Bearer token its challenge asks for
 * (distribution spec, "Token Authentication Specification"). Errors name the registry and the
 * HTTP status, as what a user must fix is usually the credentials.
 */
export class RemoteRegistry {
  private readonly base: string;
  /** The Authorization header that worked last, reused until the registry asks again. */
  private authorization: string | undefined;

  constructor(
    readonly host: string,
    private readonly credentials: RegistryCredentials | undefined,
  ) {
    this.base = `${LOOPBACK.test(host) ? 'http' : 'https'}://${host}`;
  }

  async manifest(repository: string, reference: string): Promise<RemoteManifest> {
    const accept = [...IMAGE_MANIFEST_TYPES, ...INDEX_MANIFEST_TYPES].join(', ');
    const res = await this.get(repository, `/v2/${repository}/manifests/${reference}`, { accept }, `image ${repository}:${reference}`);
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MANIFEST_SIZE_LIMIT) {
        res.body.destroy();
        throw this.failed(`the manifest of ${repository}:${reference} is over ${MANIFEST_SIZE_LIMIT} bytes`);
      }
      chunks.push(chunk);
    }
    const bytes = Buffer.concat(chunks);
    const digest = sha256(bytes);
    const claimed = [reference.startsWith('sha256:') ? reference : undefined, header(res.headers['docker-content-digest'])];
    if (claimed.some((d) => d !== undefined && d !== digest)) {
      throw this.failed(`the manifest of ${repository}:${reference} does not match its digest`);
    }
    const mediaType = header(res.headers['content-type'])?.split(';', 1)[0]?.trim() ?? '';
    return { bytes, mediaType, digest };
  }

  /** The blob's bytes as they come; whoever stores them verifies the digest (BlobStore.write). */
  async blob(repository: string, digest: string): Promise<Readable> {
    const res = await this.get(repository, `/v2/${repository}/blobs/${digest}`, {}, `blob ${digest} of ${repository}`);
    return res.body;
  }

  private async get(repository: string, path: string, headers: Record<string, string>, what: string): Promise<Dispatcher.ResponseData> {
    let res = await this.send(path, headers);
    if (res.statusCode === 401) {
      await res.body.dump();
      this.authorization = await this.answerChallenge(repository, header(res.headers['www-authenticate']));
      res = await this.send(path, headers);
    }
    if (res.statusCode === 200) return res;
    await res.body.dump();
    if (res.statusCode === 404) {
      throw new EveraiError('EVERAI_IMAGE_NOT_FOUND', `${what} was not found in registry ${this.host} (HTTP 404)`);
    }
    if (res.statusCode === 401 || res.statusCode === 403) throw this.denied(repository, res.statusCode);
    throw this.failed(`registry ${this.host} answered HTTP ${res.statusCode} for ${what}`);
  }

  private async send(path: string, headers: Record<string, string>): Promise<Dispatcher.ResponseData> {
    try {
      return await request(`${this.base}${path}`, {
        dispatcher,
        headers: { ...headers, ...(this.authorization ? { authorization: this.authorization } : {}) },
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (error) {
      const cause = (error as { code?: string }).code ?? (error as Error).message;
      throw this.failed(`cannot reach registry ${this.host} (${cause})`, error);
    }
  }

  /** What to send after a 401: Basic credentials, or a Bearer token fetched with them. */
  private async answerChallenge(repository: string, wwwAuthenticate: string | undefined): Promise<string> {
    const challenge = parseChallenge(wwwAuthenticate);
    const basic = this.credentials
      ? `Basic ${Buffer.from(`${this.credentials.username}:${this.credentials.password}`).toString('base64')}`
      : undefined;
    if (challenge?.scheme === 'bearer' && challenge.params.realm) {
      return `Bearer ${await this.fetchToken(repository, challenge.params, basic)}`;
    }
    if (!basic) throw this.denied(repository, 401);
    return basic;
  }

  private async fetchToken(repository: string, params: Record<string, string>, basic: string | undefined): Promise<string> {
    const url = new URL(params.realm as string);
    if (params.service) url.searchParams.set('service', params.service);
    url.searchParams.set('scope', params.scope ?? `repository:${repository}:pull`);
    let res: Dispatcher.ResponseData;
    try {
      res = await request(url, { dispatcher, headers: basic ? { authorization: basic } : {}, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    } catch (error) {
      throw this.failed(`cannot reach the token service of registry ${this.host} at ${url.origin} (${(error as Error).message})`, error);
    }
    if (res.statusCode === 401 || res.statusCode === 403) {
      await res.body.dump();
      throw this.denied(repository, res.statusCode);
    }
    const body = (await res.body.json().catch(() => ({}))) as { token?: unknown; access_token?: unknown };
    const token = body.token ?? body.access_token;
    if (res.statusCode !== 200 || typeof token !== 'string') {
      throw this.failed(`the token service of registry ${this.host} answered HTTP ${res.statusCode} without a token`);
    }
    return token;
  }

  private denied(repository: string, status: number): EveraiError {
    const why = this.credentials
      ? 'refused the credentials'
      : 'needs credentials: give imagePullSecrets in app.yaml, or auth in Image.fromRegistry';
    return this.failed(`registry ${this.host} ${why} for ${repository} (HTTP ${status} ${status === 401 ? 'Unauthorized' : 'Forbidden'})`);
  }

  private failed(message: string, cause?: unknown): EveraiError {
    return new EveraiError('EVERAI_REGISTRY_FAILED', message, { cause });
  }
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
