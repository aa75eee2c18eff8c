import type { BlobStore } from '../../blobs/blob-store';
import type { Runtime } from '../runtime';

export class ProcessRuntime implements Runtime {
  readonly kind = 'process';
  constructor(private readonly options: { dataDir: string; blobs: BlobStore }) {
    void this.options;
  }
}
