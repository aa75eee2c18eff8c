import { pageAlignedBuffer } from './page-aligned';

/**
 * Buffers of shared memory for bytes in passing, each held by whoever still needs its bytes (a
 * file sink, a write thread, a hash thread reading them where they lie) and reused once the last
 * of them gives it back. A new buffer per piece left a gigabyte of fresh memory per gigabyte
 * moved: page faults and collections that cost more CPU than the bytes (about 0.6 s per GiB).
 * Page-aligned (pageAlignedBuffer), shared so that a thread is handed them, not a copy.
 */
export class PieceBuffers {
  private readonly free: Buffer[] = [];
  /** Who still holds each buffer given out. */
  private readonly holders = new WeakMap<ArrayBufferLike, number>();
  private held = 0;
  private readonly waiting: (() => void)[] = [];

  /**
   * Buffers of `size` bytes. `roomFor`: how many may be held before `untilRoom` asks a producer
   * to wait; `take` still gives more (a socket's read already made must go somewhere), so it bounds
   * memory with the few a read can start beyond it.
   */
  constructor(
    readonly size: number,
    private readonly roomFor = Infinity,
  ) {}

  /** A buffer, held once, by the caller. */
  take(): Buffer {
    const buffer = this.free.pop() ?? pageAlignedBuffer(this.size, true);
    this.holders.set(buffer.buffer, 1);
    this.held++;
    return buffer;
  }

  /** One more holds the buffer under `piece` (when it is one of these: a header or padding is not) until it gives it back too. */
  hold(piece: Uint8Array): void {
    const holders = this.holders.get(piece.buffer);
    if (holders !== undefined) this.holders.set(piece.buffer, holders + 1);
  }

  /** Gives back the buffer under `piece` (when it is one of these); the last holder to do so frees it. */
  give(piece: Uint8Array): void {
    const holders = this.holders.get(piece.buffer);
    if (holders === undefined || holders === 0) return;
    this.holders.set(piece.buffer, holders - 1);
    if (holders > 1) return;
    this.free.push(Buffer.from(piece.buffer));
    this.held--;
    if (this.held <= this.roomFor / 2) for (const resume of this.waiting.splice(0)) resume();
  }

  /**
   * Undefined while fewer than `roomFor` buffers are held; else a promise of when half as many
   * are: a producer that waited goes on for a while, not for one buffer at a time.
   */
  untilRoom(): Promise<void> | undefined {
    if (this.held < this.roomFor) return undefined;
    return new Promise((resolve) => this.waiting.push(resolve));
  }
}
