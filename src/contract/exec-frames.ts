/**
 * The frames of `everai worker exec` on its upgraded connection (docs/exec.md): one type byte, a
 * 4-byte big-endian payload length, the payload. Both sides use this file.
 */

export const EXEC_PROTOCOL = 'everai-exec.v1';

export const FRAME = {
  /** client → server: bytes for the command's stdin. */
  stdin: 0,
  /** server → client: bytes the command wrote. */
  stdout: 1,
  stderr: 2,
  /** client → server: JSON `{"rows": R, "cols": C}`, the terminal's new size. */
  resize: 3,
  /** server → client, last frame: JSON `{"code": N}`, the command's exit code. */
  exit: 4,
  /** client → server, empty: stdin has ended. */
  stdinEnd: 5,
} as const;

export type FrameType = (typeof FRAME)[keyof typeof FRAME];

const HEADER = 5;
/** Larger writes are split; nothing needs a bigger frame, and a reader never holds more. */
export const MAX_FRAME = 1024 * 1024;

export function encodeFrame(type: FrameType, payload: Buffer | string = Buffer.alloc(0)): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const header = Buffer.alloc(HEADER);
  header.writeUInt8(type, 0);
  header.writeUInt32BE(body.length, 1);
  return Buffer.concat([header, body]);
}

/** Frames of a byte stream, whole, as they complete. */
export class FrameReader {
  private pending: Buffer = Buffer.alloc(0);

  constructor(private readonly onFrame: (type: number, payload: Buffer) => void) {}

  push(chunk: Buffer): void {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    while (this.pending.length >= HEADER) {
      const length = this.pending.readUInt32BE(1);
      if (length > MAX_FRAME) throw new Error(`an exec frame of ${length} bytes is over the limit of ${MAX_FRAME}`);
      if (this.pending.length < HEADER + length) return;
      const type = this.pending.readUInt8(0);
      const payload = this.pending.subarray(HEADER, HEADER + length);
      this.pending = this.pending.subarray(HEADER + length);
      this.onFrame(type, payload);
    }
  }
}
