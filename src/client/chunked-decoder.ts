/** A chunk's size line longer than this is refused. */
const SIZE_LINE_LIMIT = 1024;

/**
 * Cuts the data out of a body sent with `Transfer-Encoding: chunked`, piece by piece as it
 * arrives, handing each run of data on as a view of the piece it came in (never a copy). Trailers
 * after the last chunk are not read: the answers it decodes end with their connection.
 */
export class ChunkedDecoder {
  /** The size line so far. */
  private line = '';
  /** Bytes of the current chunk's data still to come. */
  private left = 0;
  /** Bytes of the line end after a chunk's data still to skip. */
  private skip = 0;
  /** The last chunk (of size 0) has come. */
  done = false;

  constructor(private readonly onData: (piece: Buffer) => void) {}

  push(piece: Buffer): void {
    for (let at = 0; at < piece.length && !this.done; ) {
      if (this.left > 0) {
        const take = Math.min(this.left, piece.length - at);
        this.onData(piece.subarray(at, at + take));
        at += take;
        this.left -= take;
        if (this.left === 0) this.skip = 2;
      } else if (this.skip > 0) {
        const take = Math.min(this.skip, piece.length - at);
        at += take;
        this.skip -= take;
      } else {
        const newline = piece.indexOf(0x0a, at);
        const end = newline < 0 ? piece.length : newline;
        this.line += piece.toString('latin1', at, end);
        if (this.line.length > SIZE_LINE_LIMIT) throw new Error(`a chunk's size line runs past ${SIZE_LINE_LIMIT} bytes`);
        at = end;
        if (newline < 0) continue;
        at++;
        const size = (this.line.split(';')[0] ?? '').trim();
        if (!/^[0-9a-fA-F]{1,12}$/.test(size)) throw new Error(`${JSON.stringify(this.line.slice(0, 40))} is not a chunk's size`);
        this.line = '';
        this.left = parseInt(size, 16);
        if (this.left === 0) this.done = true;
      }
    }
  }
}
