/** Each read of a file being uploaded: big, since a call per 64 KiB cost more than the bytes. */
export const READ_CHUNK = 1024 * 1024;

/** Buffers in use or free at most: 8 MiB, shared by every upload of a command. */
const MAX_BUFFERS = 8;

/**
 * Read buffers for uploads, each given back once the socket took its bytes. A new buffer per
 * piece left the garbage collector a gigabyte of them per gigabyte pushed: about a sixth of the
 * CLI's CPU (perf), and page faults for fresh memory on every piece.
 */
export class ReadBuffers {
  private readonly free: Buffer[] = [];
  private made = 0;
  private readonly waiting: (() => void)[] = [];

  /** Buffers of `size` bytes, at most `max` of them in use or free. */
  constructor(
    private readonly size = READ_CHUNK,
    private readonly max = MAX_BUFFERS,
  ) {}

  /** A free buffer, waiting for one to come back when all are out. */
  async take(): Promise<Buffer> {
    for (;;) {
      const buffer = this.free.pop();
      if (buffer) return buffer;
      if (this.made < this.max) {
        this.made++;
        return Buffer.allocUnsafeSlow(this.size);
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
  }

  give(buffer: Buffer): void {
    this.free.push(buffer);
    this.waiting.shift()?.();
  }
}
