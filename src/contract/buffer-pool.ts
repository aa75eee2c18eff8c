import { pageAlignedBuffer } from './page-aligned';

/** Each read of a file being uploaded: big, since a call per 64 KiB cost more than the bytes. */
export const READ_CHUNK = 1024 * 1024;

/** Buffers in use or free at most: 8 MiB, shared by every upload of a command. */
const MAX_BUFFERS = 8;

/**
 * Buffers reused for bytes in passing (what an upload reads, what a hash thread hashes), each
 * given back once its bytes are gone. A new buffer per piece left the garbage collector a gigabyte
 * of them per gigabyte pushed: about a sixth of the CLI's CPU (perf), and page faults for fresh
 * memory on every piece.
 */
export class BufferPool {
  private readonly free: Buffer[] = [];
  private made = 0;
  private readonly waiting: (() => void)[] = [];

  /**
   * Buffers of `size` bytes, at most `max` of them in use or free; `shared`, in shared memory, so
   * that a hash thread can read what they hold where it lies (hashShared).
   */
  constructor(
    private readonly size = READ_CHUNK,
    private readonly max = MAX_BUFFERS,
    private readonly shared = false,
  ) {}

  /** A free buffer, waiting for one to come back when all are out. */
  async take(): Promise<Buffer> {
    for (;;) {
      const buffer = this.free.pop();
      if (buffer) return buffer;
      if (this.made < this.max) {
        this.made++;
        return pageAlignedBuffer(this.size, this.shared);
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
  }

  give(buffer: Buffer): void {
    this.free.push(buffer);
    this.waiting.shift()?.();
  }
}
