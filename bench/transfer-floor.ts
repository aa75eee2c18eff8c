import { createHash, randomBytes } from 'node:crypto';
import { cpus } from 'node:os';

const MIB = 1024 * 1024;
/** Hashed in memory, in pieces of 1 MiB as the transfers hash, to measure SHA-256's speed here. */
const SAMPLE_BYTES = 64 * MIB;
const SAMPLE_ROUNDS = 3;

/**
 * The CPU seconds SHA-256 takes a byte on one thread of this machine: the fastest of a few hashes
 * of bytes in memory (with nothing else running, a thread's wall time is its CPU time).
 */
export function sha256SecondsPerByte(): number {
  const bytes = randomBytes(SAMPLE_BYTES);
  let best = Infinity;
  for (let round = 0; round < SAMPLE_ROUNDS; round++) {
    const start = process.hrtime.bigint();
    const hash = createHash('sha256');
    for (let at = 0; at < bytes.length; at += MIB) hash.update(bytes.subarray(at, at + MIB));
    hash.digest();
    best = Math.min(best, Number(process.hrtime.bigint() - start) / 1e9);
  }
  return best / SAMPLE_BYTES;
}

/**
 * The work a transfer cannot do without, whatever its code, while it keeps its guarantees: each
 * byte copied once into new pages of the page cache (what `cp -r` of the same files does, so its
 * CPU), and hashed `hashPasses` times.
 */
export interface TransferFloor {
  /** The CPU seconds of `cp -r` of the files. */
  copyCpuSeconds: number;
  /**
   * A push hashes each byte twice: the CLI as it reads (the digest names the file), the server as
   * it writes (it never trusts the CLI's digest). A pull once: the CLI checks what arrives.
   */
  hashPasses: number;
  bytes: number;
  /** Bytes of the largest file: a pass over a file is one stream, hashed on one thread. */
  largestFile: number;
}

/**
 * The best ratio to a `cp -r` of `cpSeconds` that any code doing `floor`'s work can reach on this
 * machine: that work spread over all its CPUs with none idle, and never less than one hash pass
 * over the largest file. Below a target, no change to the code meets it here.
 */
export function floorRatio(cpSeconds: number, floor: TransferFloor, hashSecondsPerByte: number): number {
  const cpu = floor.copyCpuSeconds + floor.hashPasses * floor.bytes * hashSecondsPerByte;
  return cpSeconds / Math.max(cpu / cpus().length, floor.largestFile * hashSecondsPerByte);
}

/** What the FLOOR_VS_CP column holds, for the lines above its table. */
export function floorColumnNote(hashSecondsPerByte: number): string[] {
  return [
    `FLOOR_VS_CP: the most any code can reach on this machine while it keeps the guarantees: cp -r's own CPU (each byte`,
    `copied once into new pages) plus the SHA-256 passes (${(1 / hashSecondsPerByte / 1e6).toFixed(0)} MB/s a thread here; a push 2, the CLI's and the server's,`,
    'a pull 1, the CLI checking), spread over the CPUs, and never less than one pass over the largest file.',
  ];
}
