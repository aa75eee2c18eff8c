import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Authenticator } from '../auth';
import type { Store } from '../store/store';

export interface GatewayDeps {
  store: Store;
  auth: Authenticator;
  maxRequestBodyBytes: number;
  queueTimeoutMs: number;
}

export class Gateway {
  constructor(private readonly deps: GatewayDeps) {}
  owns(path: string): boolean {
    return path.startsWith('/api/routes/v1/') || path.startsWith('/api/apps/v1/routes/');
  }
  async handle(_req: IncomingMessage, _res: ServerResponse, _url: URL): Promise<void> {
    void this.deps;
  }
  async close(): Promise<void> {}
}
