import type { BlobStore } from '../blobs/blob-store';
import type { Gateway } from '../gateway/gateway';
import type { Runtime } from '../runtime/runtime';
import type { Store } from '../store/store';

export interface ControllerDeps {
  store: Store;
  blobs: BlobStore;
  runtime: Runtime;
  gateway: Gateway;
}

export class Controller {
  constructor(private readonly deps: ControllerDeps) {}
  async start(): Promise<void> {
    void this.deps;
  }
  async stop(_options: { stopWorkers: boolean }): Promise<void> {}
}
