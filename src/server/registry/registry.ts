import type { IncomingMessage, ServerResponse } from 'node:http';
import { EveraiError } from '../../common/errors';
import type { Authenticator } from '../auth';
import type { BlobStore } from '../blobs/blob-store';
import type { Store } from '../store/store';

export interface RegistryDeps {
  store: Store;
  blobs: BlobStore;
  auth: Authenticator;
  /** Where upload sessions keep their partial blobs. */
  uploadDir: string;
}

/** The OCI distribution API at `/v2/`. (Placeholder until the registry lands.) */
export class Registry {
  constructor(private readonly deps: RegistryDeps) {}

  async handle(_req: IncomingMessage, _res: ServerResponse, url: URL): Promise<void> {
    void this.deps;
    throw new EveraiError('EVERAI_NOT_FOUND', `no registry route for ${url.pathname}`);
  }
}
