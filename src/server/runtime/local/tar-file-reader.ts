import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { pageAlignedBuffer } from '../../../contract/page-aligned';

/**
 * Reads a plain (uncompressed) tar file with synchronous reads at offsets, for the layer worker
 * thread: a file's body comes in pieces of one reused buffer, each piece written out before the
 * next read fills the buffer again, where a stream would hand over a new buffer per read. The
 * formats are tar-stream's (which reads gzip layers): ustar, GNU long names, PAX records.
 */

const BLOCK = 512;
/** One body piece: few syscalls, and the buffer stays the same one for the whole layer. */
const PIECE = 1024 * 1024;
/** PAX records and GNU long names larger than this are not a real layer's. */
const MAX_META = 1024 * 1024;

export interface TarEntry {
  name: string;
  /** tar-stream's names: 'file', 'directory', 'symlink', 'link', 'contiguous-file', and others skipped by the caller. */
  type: string;
  mode: number;
  linkname: string;
  /** The body's pieces, valid only until the iteration moves on; empty for anything but a file. */
  body: Iterable<Buffer>;
}

const TYPES: Record<string, string> = {
  '0': 'file', '1': 'link', '2': 'symlink', '3': 'character-device', '4': 'block-device', '5': 'directory', '6': 'fifo', '7': 'contiguous-file',
  x: 'pax-header', g: 'pax-global-header', L: 'gnu-long-path', K: 'gnu-long-link-path',
};

function unexpectedEnd(): Error {
  return new Error('Unexpected end of data');
}

function text(block: Buffer, start: number, length: number): string {
  const end = block.indexOf(0, start);
  return block.toString('utf8', start, end === -1 || end > start + length ? start + length : end);
}

function octal(block: Buffer, start: number, length: number): number {
  // Base-256, for sizes of 8 GiB and more (GNU): the first byte's high bit is set.
  if ((block[start] as number) & 0x80) {
    let value = 0;
    for (let i = start + 1; i < start + length; i++) value = value * 256 + (block[i] as number);
    return value;
  }
  const digits = text(block, start, length).trim();
  return digits === '' ? 0 : parseInt(digits, 8);
}

/** A header's checksum: the bytes summed, its own field counted as spaces. */
function checksum(block: Buffer): number {
  let sum = 8 * 32;
  for (let i = 0; i < BLOCK; i++) if (i < 148 || i >= 156) sum += block[i] as number;
  return sum;
}

/** PAX records: `LENGTH key=value\n` each. */
function paxRecords(bytes: Buffer): Record<string, string> {
  const records: Record<string, string> = {};
  let rest = bytes;
  while (rest.length > 0) {
    const space = rest.indexOf(32);
    const length = space === -1 ? 0 : parseInt(rest.toString('utf8', 0, space), 10);
    if (!length) break;
    const record = rest.toString('utf8', space + 1, length - 1);
    const equals = record.indexOf('=');
    if (equals === -1) break;
    records[record.slice(0, equals)] = record.slice(equals + 1);
    rest = rest.subarray(length);
  }
  return records;
}

/** The entries of the tar file at `path`, in order; reading stops with an error at a short or corrupt file. */
export function* tarFileEntries(path: string): Generator<TarEntry> {
  const fd = openSync(path, 'r');
  try {
    const block = Buffer.alloc(BLOCK);
    const piece = pageAlignedBuffer(PIECE);
    const fileSize = fstatSync(fd).size;
    let position = 0;
    const readExactly = (into: Buffer, length: number): void => {
      for (let done = 0; done < length; ) {
        const read = readSync(fd, into, done, length - done, position + done);
        if (read === 0) throw unexpectedEnd();
        done += read;
      }
      position += length;
    };
    const padded = (size: number): number => Math.ceil(size / BLOCK) * BLOCK;
    let pax: Record<string, string> | undefined;
    let paxGlobal: Record<string, string> | undefined;
    let longName: string | undefined;
    let longLink: string | undefined;
    for (;;) {
      if (position >= fileSize) return;
      readExactly(block, BLOCK);
      const sum = checksum(block);
      // An all-zero block: the end marker, or padding before it.
      if (sum === 8 * 32) continue;
      if (sum !== octal(block, 148, 8)) throw new Error('Invalid tar header. Maybe the tar is corrupted or it needs to be gunzipped?');
      const magic = block.toString('latin1', 257, 265);
      const ustar = magic.startsWith('ustar\0');
      if (!ustar && magic !== 'ustar  \0') throw new Error('Invalid tar header: unknown format.');
      const flag = block[156] === 0 ? '0' : String.fromCharCode(block[156] as number);
      let name = text(block, 0, 100);
      // ustar (POSIX) holds a prefix of the name; GNU's magic (`ustar  `) uses those bytes otherwise.
      if (ustar && block[345]) name = `${text(block, 345, 155)}/${name}`;
      let type = TYPES[flag] ?? 'unknown';
      if (flag === '0' && name.endsWith('/')) type = 'directory';
      let size = octal(block, 124, 12);
      if (type === 'pax-header' || type === 'pax-global-header' || type === 'gnu-long-path' || type === 'gnu-long-link-path') {
        if (size > MAX_META) throw new Error(`a tar ${type} of ${size} bytes is larger than a layer's ever is`);
        const meta = Buffer.alloc(padded(size));
        readExactly(meta, meta.length);
        const bytes = meta.subarray(0, size);
        if (type === 'pax-global-header') paxGlobal = paxRecords(bytes);
        else if (type === 'pax-header') pax = { ...paxGlobal, ...paxRecords(bytes) };
        else if (type === 'gnu-long-path') longName = text(bytes, 0, size);
        else longLink = text(bytes, 0, size);
        continue;
      }
      let linkname = block[157] === 0 ? '' : text(block, 157, 100);
      if (longName !== undefined) name = longName;
      if (longLink !== undefined) linkname = longLink;
      if (pax?.path) name = pax.path;
      if (pax?.linkpath) linkname = pax.linkpath;
      if (pax?.size) size = parseInt(pax.size, 10);
      pax = longName = longLink = undefined;
      const bodyStart = position;
      // A short blob fails before anything of the entry is written.
      if (bodyStart + size > fileSize) throw unexpectedEnd();
      const hasBody = type === 'file' || type === 'contiguous-file';
      function* body(): Generator<Buffer> {
        for (let offset = 0; offset < size; ) {
          const length = Math.min(PIECE, size - offset);
          position = bodyStart + offset;
          readExactly(piece, length);
          offset += length;
          yield piece.subarray(0, length);
        }
      }
      yield { name, type, mode: octal(block, 100, 8), linkname, body: hasBody ? body() : [] };
      // Past the body (whether or not it was read) and its padding.
      position = bodyStart + padded(size);
    }
  } finally {
    closeSync(fd);
  }
}
