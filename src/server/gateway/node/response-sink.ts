import type { ServerResponse } from 'node:http';
import { Writable } from 'node:stream';

/**
 * Where a worker's answer is written: the client's response, but its status line and headers go
 * out only with the first body byte (or the end). Until then the client has received nothing, so
 * a worker that dies after its headers can still be replaced by a retry on another worker.
 */
export class ResponseSink extends Writable {
  private started = false;

  constructor(
    private readonly res: ServerResponse,
    readonly statusCode: number,
    private readonly headers: Record<string, string | string[]>,
  ) {
    super();
  }

  /** True once anything went to the client: from then on the exchange cannot be retried. */
  get committed(): boolean {
    return this.started;
  }

  private start(): void {
    if (this.started) return;
    this.started = true;
    this.res.writeHead(this.statusCode, this.headers);
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this.start();
    if (this.res.write(chunk)) done();
    else this.res.once('drain', () => done());
  }

  override _final(done: (error?: Error | null) => void): void {
    this.start();
    this.res.end(() => done());
  }
}
