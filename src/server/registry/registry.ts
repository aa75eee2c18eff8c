import type { IncomingMessage, ServerResponse } from 'node:http';
import { isRepositoryName } from '../../contract/image-ref';
import type { Authenticator } from '../auth';
import type { BlobStore } from '../blobs/blob-store';
import { sendJson } from '../http/respond';
import type { Logger } from '../logger';
import type { Store } from '../store/store';
import { BlobHandlers } from './blob-handlers';
import { ManifestHandlers } from './manifest-handlers';
import { clientGoneSignal, type RegistryCall } from './registry-call';
import { RegistryError, sendRegistryError, UNAUTHORIZED_HEADERS } from './registry-errors';
import { RepositoryAccess } from './repository-access';
import { RepositoryBlobs } from './repository-blobs';
import { UploadHandlers } from './upload-handlers';
import { UploadSessions } from './upload-sessions';

export interface RegistryDeps {
  store: Store;
  blobs: BlobStore;
  auth: Authenticator;
  /** Where upload sessions keep their partial blobs. */
  uploadDir: string;
  log: Logger;
}

type Route = 'tags' | 'manifest' | 'uploads' | 'upload' | 'blob';

/**
 * Distribution spec, "Endpoints". A repository name may hold slashes, so each pattern anchors on
 * what follows the name; `blobs/uploads` comes before `blobs/<digest>`.
 */
const ROUTES: readonly [Route, RegExp][] = [
  ['tags', /^\/v2\/(.+)\/tags\/list$/],
  ['manifest', /^\/v2\/(.+)\/manifests\/([^/]+)$/],
  ['uploads', /^\/v2\/(.+)\/blobs\/uploads\/?$/],
  ['upload', /^\/v2\/(.+)\/blobs\/uploads\/([^/]+)$/],
  ['blob', /^\/v2\/(.+)\/blobs\/([^/]+)$/],
];

function decode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new RegistryError('NAME_INVALID', `'${part}' is not a valid path segment`);
  }
}

function unsupported(req: IncomingMessage, url: URL): RegistryError {
  return new RegistryError('UNSUPPORTED', `${req.method} is not supported on ${url.pathname}`);
}

/**
 * The OCI distribution API at `/v2/` (distribution spec v1.1), so that standard clients (skopeo,
 * crane, docker) push and pull with a platform token: as Bearer, or as Basic auth's password.
 * Every request needs a token; each user reaches only their own space, `<user name>/...`.
 */
export class Registry {
  private readonly blobs: BlobHandlers;
  private readonly uploads: UploadHandlers;
  private readonly manifests: ManifestHandlers;

  constructor(private readonly deps: RegistryDeps) {
    const access = new RepositoryAccess(deps.store.images);
    const held = new RepositoryBlobs(deps.store.images, deps.blobs);
    const sessions = new UploadSessions(deps.uploadDir, deps.blobs);
    void sessions.sweepAbandoned().catch((error: unknown) => deps.log.error('sweeping old uploads failed', { error }));
    this.blobs = new BlobHandlers(deps.blobs, access, held);
    this.uploads = new UploadHandlers(deps.blobs, access, sessions, held);
    this.manifests = new ManifestHandlers(deps.store, deps.blobs, access, held);
  }

  async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    // Distribution spec, "API Version Check": clients look for this header on every answer.
    res.setHeader('docker-distribution-api-version', 'registry/2.0');
    try {
      await this.route(req, res, url);
    } catch (error) {
      sendRegistryError(req, res, error, this.deps.log);
    }
  }

  private async route(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const user = await this.deps.auth.identify(req);
    if (!user) {
      // Distribution spec, "API Version Check": 401 with a challenge tells a client how to log in.
      const message = req.headers.authorization ? 'the token is not valid' : 'authentication required: use your everai token as the password';
      throw new RegistryError('UNAUTHORIZED', message, { headers: UNAUTHORIZED_HEADERS });
    }
    const method = req.method ?? 'GET';
    if (url.pathname === '/v2' || url.pathname === '/v2/') {
      if (method !== 'GET' && method !== 'HEAD') throw unsupported(req, url);
      sendJson(res, 200, {});
      return;
    }
    const found = ROUTES.map(([route, pattern]) => [route, pattern.exec(url.pathname)] as const).find(([, match]) => match);
    if (!found) throw new RegistryError('UNSUPPORTED', `no registry endpoint at ${url.pathname}`, { status: 404 });
    const [route, match] = found;
    const repository = decode(match?.[1] ?? '');
    const reference = decode(match?.[2] ?? '');
    if (!isRepositoryName(repository)) {
      throw new RegistryError('NAME_INVALID', `'${repository}' is not a valid repository name`);
    }
    const call: RegistryCall = { req, res, url, user, repository, signal: clientGoneSignal(res) };
    const reading = method === 'GET' || method === 'HEAD';

    if (route === 'tags' && method === 'GET') return this.manifests.tags(call);
    if (route === 'manifest' && reading) return this.manifests.fetch(call, reference);
    if (route === 'manifest' && method === 'PUT') return this.manifests.put(call, reference);
    if (route === 'blob' && reading) return this.blobs.fetch(call, reference);
    if (route === 'uploads' && method === 'POST') return this.uploads.start(call);
    if (route === 'upload' && method === 'GET') return this.uploads.status(call, reference);
    if (route === 'upload' && method === 'PATCH') return this.uploads.patch(call, reference);
    if (route === 'upload' && method === 'PUT') return this.uploads.finish(call, reference);
    if (route === 'upload' && method === 'DELETE') return this.uploads.cancel(call, reference);
    throw unsupported(req, url);
  }
}
