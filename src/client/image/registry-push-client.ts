import type { ApiClient } from '../api-client';
import { sendFileBytes } from '../file-body';
import type { ClientRequest } from 'node:http';
import { exchange, headerValue, streamExchange, type Exchange } from '../http-exchange';
import { EveraiError } from '../../contract/errors';
import { MEDIA_TYPES } from '../../contract/oci';
import type { BuiltImage, ImageBlob } from './oci-image-builder';
import { shortDigest, type PushProgress } from './push-progress';
import type { PushTarget } from './push-target';

interface OciErrorBody {
  errors?: { code?: string; message?: string }[];
}

/** Turns a registry's OCI error answer (distribution spec, "Error Codes") into one clear line. */
export function registryError(status: number, text: string, what: string): EveraiError {
  let detail = `HTTP ${status}`;
  try {
    const first = (JSON.parse(text) as OciErrorBody).errors?.[0];
    if (first?.message) detail = `${first.code ?? 'ERROR'}: ${first.message}`;
  } catch {
    if (text.trim()) detail = `HTTP ${status}: ${text.trim().slice(0, 200)}`;
  }
  if (status === 401) {
    return new EveraiError('EVERAI_UNAUTHENTICATED', `the registry refused the token for ${what} (${detail}); run \`everai login --token TOKEN\``);
  }
  if (status === 403) return new EveraiError('EVERAI_FORBIDDEN', `the registry refused ${what} (${detail})`);
  if (status === 404) return new EveraiError('EVERAI_NOT_FOUND', `the registry refused ${what} (${detail})`);
  return new EveraiError(status >= 500 ? 'EVERAI_INTERNAL' : 'EVERAI_BAD_REQUEST', `the registry refused ${what} (${detail})`);
}

/** A same-server `Location` (absolute or not) as a URL. */
function uploadUrl(res: Exchange, baseUrl: string): URL {
  const location = headerValue(res, 'location');
  if (!location) throw new EveraiError('EVERAI_INTERNAL', 'the registry started an upload without a Location');
  const url = new URL(location, `${baseUrl}/`);
  if (url.origin !== new URL(baseUrl).origin) {
    throw new EveraiError('EVERAI_INTERNAL', `the registry sent the upload to another server (${url.origin})`);
  }
  return url;
}

function brokeOff(url: URL, error: Error): EveraiError {
  return new EveraiError('EVERAI_UNREACHABLE', `the upload to ${url.origin} broke off (${error.message})`);
}

/**
 * Writes a blob to an upload's request as it is made, and ends the request; resolves with what
 * was made (its digest among it). `onBytes` counts what the progress bar shows.
 */
export type PackedBody<T> = (req: ClientRequest, onBytes: (bytes: number) => void) => Promise<T>;

/**
 * Pushes a built image to the platform's registry with the distribution API ("Pushing blobs",
 * "Pushing manifests"): each blob the repository lacks is mounted from the repository it is known
 * in (a base's layers) or streamed from its file in one PUT, then the manifest is put under the tag.
 * A blob made while it is sent (the app folder's layer) goes in chunks instead (pushPacked).
 */
export class RegistryPushClient {
  constructor(private readonly api: ApiClient) {}

  /** Returns the manifest digest the registry answered with. */
  async push(image: BuiltImage, target: PushTarget, progress: PushProgress): Promise<string> {
    for (const blob of image.blobs) {
      if (await this.hasBlob(target.repository, blob.digest)) {
        progress.present(blob.kind, blob.digest);
        continue;
      }
      const started = await this.startUpload(target.repository, blob);
      if (started === 'mounted') progress.present(blob.kind, blob.digest);
      else await this.upload(blob, started, progress);
    }
    const what = `the manifest of ${target.repository}:${target.tag}`;
    const res = await this.api.call('PUT', `/v2/${target.repository}/manifests/${target.tag}`, {
      headers: { 'content-type': MEDIA_TYPES.ociManifest },
      body: image.manifest,
    });
    if (res.status !== 201) throw registryError(res.status, res.text, what);
    return headerValue(res, 'docker-content-digest') ?? image.manifestDigest;
  }

  async hasBlob(repository: string, digest: string): Promise<boolean> {
    const res = await this.api.call('HEAD', `/v2/${repository}/blobs/${digest}`);
    if (res.status === 200) return true;
    if (res.status === 404) return false;
    throw registryError(res.status, '', `a check for blob ${digest}`);
  }

  /**
   * Sends a blob that `pack` makes as it goes, so that it is read once and never lands in a file
   * here; its digest is known only at its last byte ("Pushing a blob in chunks"). An upload is
   * opened, the whole blob goes in one PATCH with a chunked body, and a PUT with the digest and
   * no body closes it: the registry checks the digest against its own hash of what it wrote.
   * `name` and `size` (what `pack` counts) are for the progress bar. A push that fails gives the
   * upload up, so the registry drops what it held of it.
   */
  async pushPacked<T extends { digest: string }>(repository: string, kind: string, name: string, size: number, pack: PackedBody<T>, progress: PushProgress): Promise<T> {
    const url = await this.startUpload(repository);
    const what = `${kind} ${name}`;
    progress.start(kind, name, size);
    try {
      let packed: T | undefined;
      // What failed first: the packing (a file that changed while it was read) or the connection.
      // Each then fails the other, and only the first says what happened.
      let failure: { error: Error; packing: boolean } | undefined;
      const headers = { ...this.api.authHeaders(), 'content-type': 'application/octet-stream' };
      const sent = await streamExchange(url.href, 'PATCH', headers, async (req) => {
        req.once('error', (error) => (failure ??= { error, packing: false }));
        try {
          packed = await pack(req, (bytes) => progress.advance(bytes));
        } catch (error) {
          failure ??= { error: error as Error, packing: true };
          throw error;
        }
      }).catch((error: unknown) => {
        if (failure?.packing) throw failure.error;
        throw brokeOff(url, failure?.error ?? (error as Error));
      });
      if (sent.status !== 202) throw registryError(sent.status, sent.text, what);
      if (packed === undefined) throw new EveraiError('EVERAI_INTERNAL', `the registry took ${what} before all of it was sent`);
      const digest = packed.digest;
      url.searchParams.set('digest', digest);
      const closed = await exchange(url.href, 'PUT', { ...this.api.authHeaders(), 'content-type': 'application/octet-stream' }, '').catch((error: Error) => {
        throw brokeOff(url, error);
      });
      if (closed.status !== 201) throw registryError(closed.status, closed.text, `${kind} ${shortDigest(digest)}`);
      progress.done();
      return packed;
    } catch (error) {
      progress.fail();
      url.search = '';
      await exchange(url.href, 'DELETE', this.api.authHeaders()).catch(() => undefined);
      throw error;
    }
  }

  /**
   * Opens an upload, or mounts the blob from the repository it is known in ("Mounting a blob from
   * another repository"): then nothing is sent. A registry that does not mount opens an upload.
   */
  private startUpload(repository: string): Promise<URL>;
  private startUpload(repository: string, blob: ImageBlob): Promise<URL | 'mounted'>;
  private async startUpload(repository: string, blob?: ImageBlob): Promise<URL | 'mounted'> {
    const query = blob?.from ? `?${new URLSearchParams({ mount: blob.digest, from: blob.from }).toString()}` : '';
    const started = await this.api.call('POST', `/v2/${repository}/blobs/uploads/${query}`);
    if (blob?.from && started.status === 201) return 'mounted';
    if (started.status !== 202) throw registryError(started.status, started.text, `an upload to '${repository}'`);
    return uploadUrl(started, this.api.baseUrl);
  }

  private async upload(blob: ImageBlob, url: URL, progress: PushProgress): Promise<void> {
    if (blob.path === undefined) {
      // Only a blob mounted from elsewhere comes without a file, and this registry would not mount it.
      throw new EveraiError('EVERAI_BAD_REQUEST', `the registry would not mount ${blob.kind} ${blob.digest} from '${blob.from ?? ''}'`);
    }
    const path = blob.path;
    url.searchParams.set('digest', blob.digest);
    progress.start(blob.kind, shortDigest(blob.digest), blob.size);
    try {
      // node:http with a few reused buffers (file-body.ts), not fetch: fetch reads a streamed body
      // ahead of the socket and would hold most of a large layer in memory.
      const headers = { ...this.api.authHeaders(), 'content-type': 'application/octet-stream', 'content-length': String(blob.size) };
      const res = await streamExchange(url.href, 'PUT', headers, (req) => sendFileBytes(req, path, 0, blob.size, (n) => progress.advance(n))).catch((error: Error) => {
        throw brokeOff(url, error);
      });
      if (res.status !== 201) throw registryError(res.status, res.text, `${blob.kind} ${blob.digest}`);
    } catch (error) {
      progress.fail();
      throw error;
    }
    progress.done();
  }
}
