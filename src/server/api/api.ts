import type { IncomingMessage, ServerResponse } from 'node:http';
import { EveraiError } from '../../common/errors';
import type { Authenticator } from '../auth';
import type { Controller } from '../controller/controller';
import type { Gateway } from '../gateway/gateway';
import type { Store } from '../store/store';

export interface ApiDeps {
  store: Store;
  auth: Authenticator;
  controller: Controller;
  gateway: Gateway;
}

export function buildApi(deps: ApiDeps): (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void> {
  void deps;
  return async (_req, _res, url) => {
    throw new EveraiError('EVERAI_NOT_FOUND', `no API route for ${url.pathname}`);
  };
}
