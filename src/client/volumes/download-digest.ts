import { createHash } from 'node:crypto';
import { hashBehind } from '../../contract/file-hash';

/**
 * The digest of a file being downloaded, fed as its bytes are written: `written` after each
 * piece (with the piece, and the bytes written so far), `digest` once the file is whole, `drop`
 * if the download broke off.
 */
export interface DownloadDigest {
  written(piece: Buffer, total: number): void;
  digest(): Promise<string>;
  drop(): void;
}

/** Makes the digest of each file a pull downloads into a temp file at `path`. */
export type DownloadDigests = (path: string) => DownloadDigest;

/** Hashes the pieces as they pass, on the thread that writes them. */
function inlineDigest(): DownloadDigest {
  const hash = createHash('sha256');
  return {
    written: (piece) => void hash.update(piece),
    digest: () => Promise.resolve(`sha256:${hash.digest('hex')}`),
    drop: () => undefined,
  };
}

/**
 * Hashes on the hash thread (contract/file-hash.ts), which reads the file back behind the writer.
 * Receiving and writing a GiB cost the CLI about 0.6 s of CPU, and hashing it as much again: a
 * pull is then bound by the slower of the two, not by their sum.
 */
function threadDigest(path: string): DownloadDigest {
  const hash = hashBehind(path);
  return {
    written: (_piece, total) => hash.written(total),
    digest: () => hash.digest(),
    drop: () => hash.drop(),
  };
}

/**
 * A pull that moves at least this much hashes on the hash thread; a smaller one hashes inline:
 * starting a thread costs some 35 ms of CPU, what hashing 60 MB costs.
 */
const THREAD_FROM_BYTES = 64 * 1024 * 1024;

/** How a pull that downloads `bytes` in all checks each file's digest. */
export function downloadDigests(bytes: number): DownloadDigests {
  return bytes < THREAD_FROM_BYTES ? inlineDigest : threadDigest;
}
